/* expr.c - parsing and evaluating the condition language of playbook rules */
#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Longest token quoted back in a message, and longest number literal. */
#define TOKEN_SHOWN 40
#define NUMBER_MAX 63

enum token {
	T_END,
	T_NUM,
	T_STR,
	T_NAME,
	T_TRUE,
	T_FALSE,
	T_AND,
	T_OR,
	T_NOT,
	T_IN,
	T_LPAREN,
	T_RPAREN,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE
};

enum node_kind { N_NUM, N_STR, N_BOOL, N_NAME, N_NOT, N_AND, N_OR, N_CMP, N_IN };

struct node {
	int kind;       /* enum node_kind */
	int op;         /* N_CMP: T_EQ ... T_GE */
	double num;     /* N_NUM */
	char *str;      /* N_STR, N_NAME: malloced */
	int b;          /* N_BOOL */
	struct node *l; /* operand of N_NOT; left of binary nodes */
	struct node *r;
	size_t at;      /* offset in the source: the value, or the operator of N_CMP and N_IN */
};

/* root is NULL for "always". */
struct expr {
	struct node *root;
};

struct parser {
	struct fu_ctx *ctx;
	const char *src;
	size_t len;
	size_t pos;    /* where lexing continues */
	int tok;       /* current token */
	size_t start;  /* its offset in src */
	size_t tlen;   /* its length */
	int has_prev;  /* whether a token came before the current one */
	size_t pstart; /* the previous token */
	size_t plen;
	int depth;     /* open '(' and 'not' */
};

static const char *const op_names[] = {
	[T_EQ] = "==", [T_NE] = "!=", [T_LT] = "<", [T_LE] = "<=", [T_GT] = ">", [T_GE] = ">=",
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || is_digit(c);
}

static int col(size_t off)
{
	return (int)off + 1;
}

static int shown(size_t len)
{
	return len > TOKEN_SHOWN ? TOKEN_SHOWN : (int)len;
}

static int keyword(const char *s, size_t n)
{
	static const struct {
		const char *word;
		int tok;
	} words[] = {
		{ "and", T_AND }, { "or", T_OR },     { "not", T_NOT },
		{ "in", T_IN },   { "true", T_TRUE }, { "false", T_FALSE },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == n && !memcmp(words[i].word, s, n))
			return words[i].tok;
	return T_NAME;
}

static int lex_bad_char(struct parser *p, size_t at)
{
	unsigned char c = (unsigned char)p->src[at];

	if (c >= 'A' && c <= 'Z')
		return fu_err(p->ctx, FU_EINPUT, "column %d: unexpected character '%c' (names are lowercase)",
			      col(at), c);
	if (c == '=')
		return fu_err(p->ctx, FU_EINPUT, "column %d: unexpected '=' (use '==')", col(at));
	if (c == '!')
		return fu_err(p->ctx, FU_EINPUT, "column %d: unexpected '!' (use 'not' or '!=')", col(at));
	if (c < 0x20 || c >= 0x7f)
		return fu_err(p->ctx, FU_EINPUT, "column %d: unexpected byte 0x%02x", col(at), c);
	return fu_err(p->ctx, FU_EINPUT, "column %d: unexpected character '%c'", col(at), c);
}

/* Makes the next token current, remembering the one before for messages. */
static int lex(struct parser *p)
{
	const char *s = p->src;
	size_t i;
	char c;

	if (p->tok != T_END || p->tlen) {
		p->has_prev = 1;
		p->pstart = p->start;
		p->plen = p->tlen;
	}
	while (p->pos < p->len && is_space(s[p->pos]))
		p->pos++;
	i = p->pos;
	p->start = i;
	if (i == p->len) {
		p->tok = T_END;
		p->tlen = 0;
		return FU_OK;
	}
	c = s[i];
	if (c == '(' || c == ')') {
		p->tok = c == '(' ? T_LPAREN : T_RPAREN;
		i++;
	} else if ((c == '=' || c == '!') && s[i + 1] == '=') {
		p->tok = c == '=' ? T_EQ : T_NE;
		i += 2;
	} else if (c == '<' || c == '>') {
		if (s[i + 1] == '=') {
			p->tok = c == '<' ? T_LE : T_GE;
			i += 2;
		} else {
			p->tok = c == '<' ? T_LT : T_GT;
			i++;
		}
	} else if (c == '\'' || c == '"') {
		const char *end = memchr(s + i + 1, c, p->len - i - 1);

		if (!end)
			return fu_err(p->ctx, FU_EINPUT, "column %d: unterminated string", col(i));
		p->tok = T_STR;
		i = (size_t)(end - s) + 1;
	} else if (is_digit(c) || (c == '-' && is_digit(s[i + 1]))) {
		i++;
		while (is_digit(s[i]))
			i++;
		if (s[i] == '.') {
			if (!is_digit(s[i + 1]))
				return fu_err(p->ctx, FU_EINPUT, "column %d: malformed number '%.*s'",
					      col(p->start), shown(i + 1 - p->start), s + p->start);
			i++;
			while (is_digit(s[i]))
				i++;
		}
		if (i - p->start > NUMBER_MAX)
			return fu_err(p->ctx, FU_EINPUT, "column %d: number too long", col(p->start));
		p->tok = T_NUM;
	} else if (is_name_start(c)) {
		while (is_name_char(s[i]))
			i++;
		p->tok = keyword(s + p->start, i - p->start);
	} else {
		return lex_bad_char(p, i);
	}
	p->tlen = i - p->start;
	p->pos = i;
	return FU_OK;
}

static int err_unexpected(struct parser *p)
{
	return fu_err(p->ctx, FU_EINPUT, "column %d: unexpected '%.*s'", col(p->start), shown(p->tlen),
		      p->src + p->start);
}

static int err_expected_value(struct parser *p)
{
	if (!p->has_prev)
		return err_unexpected(p);
	return fu_err(p->ctx, FU_EINPUT, "column %d: expected a value after '%.*s'", col(p->start),
		      shown(p->plen), p->src + p->pstart);
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->l);
	node_free(n->r);
	free(n->str);
	free(n);
}

static int node_new(struct parser *p, int kind, struct node **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return fu_err(p->ctx, FU_ENOMEM, "out of memory parsing an expression");
	(*out)->kind = kind;
	return FU_OK;
}

/* A node with two operands; frees both when allocation fails. */
static int node_pair(struct parser *p, int kind, int op, struct node *l, struct node *r,
		     struct node **out)
{
	int rc = node_new(p, kind, out);

	if (rc) {
		node_free(l);
		node_free(r);
		return rc;
	}
	(*out)->op = op;
	(*out)->l = l;
	(*out)->r = r;
	return FU_OK;
}

static int enter(struct parser *p)
{
	if (++p->depth > EXPR_MAX_DEPTH)
		return fu_err(p->ctx, FU_EINPUT, "column %d: too deeply nested", col(p->start));
	return FU_OK;
}

static int parse_or(struct parser *p, struct node **out);

/* A copy of the current token's text without `trim` bytes at either end. */
static int token_text(struct parser *p, size_t trim, char **out)
{
	size_t n = p->tlen - 2 * trim;

	*out = malloc(n + 1);
	if (!*out)
		return fu_err(p->ctx, FU_ENOMEM, "out of memory parsing an expression");
	memcpy(*out, p->src + p->start + trim, n);
	(*out)[n] = '\0';
	return FU_OK;
}

static int parse_value(struct parser *p, struct node **out)
{
	char num[NUMBER_MAX + 1];
	size_t open, start = p->start;
	int rc;

	*out = NULL;
	switch (p->tok) {
	case T_NUM:
		rc = node_new(p, N_NUM, out);
		if (rc)
			return rc;
		memcpy(num, p->src + p->start, p->tlen);
		num[p->tlen] = '\0';
		(*out)->num = strtod(num, NULL);
		break;
	case T_STR:
	case T_NAME:
		rc = node_new(p, p->tok == T_STR ? N_STR : N_NAME, out);
		if (!rc)
			rc = token_text(p, p->tok == T_STR ? 1 : 0, &(*out)->str);
		if (rc)
			goto fail;
		break;
	case T_TRUE:
	case T_FALSE:
		rc = node_new(p, N_BOOL, out);
		if (rc)
			return rc;
		(*out)->b = p->tok == T_TRUE;
		break;
	case T_LPAREN:
		rc = enter(p);
		if (rc)
			return rc;
		open = p->start;
		rc = lex(p);
		if (!rc)
			rc = parse_or(p, out);
		if (rc)
			goto fail;
		if (p->tok == T_END) {
			rc = fu_err(p->ctx, FU_EINPUT, "column %d: missing ')' for '(' at column %d",
				    col(p->start), col(open));
			goto fail;
		}
		if (p->tok != T_RPAREN) {
			rc = err_unexpected(p);
			goto fail;
		}
		p->depth--;
		break;
	default:
		return err_expected_value(p);
	}
	if (p->tok != T_RPAREN)
		(*out)->at = start; /* a group keeps the place of what it holds */
	rc = lex(p);
	if (rc)
		goto fail;
	return FU_OK;
fail:
	node_free(*out);
	*out = NULL;
	return rc;
}

static int parse_not(struct parser *p, struct node **out)
{
	struct node *operand;
	int rc;

	if (p->tok != T_NOT)
		return parse_value(p, out);
	*out = NULL;
	rc = enter(p);
	if (!rc)
		rc = lex(p);
	if (!rc)
		rc = parse_not(p, &operand);
	if (rc)
		return rc;
	p->depth--;
	return node_pair(p, N_NOT, 0, operand, NULL, out);
}

static int parse_cmp(struct parser *p, struct node **out)
{
	struct node *l, *r;
	size_t at;
	int rc, op;

	*out = NULL;
	rc = parse_not(p, &l);
	if (rc)
		return rc;
	op = p->tok;
	if (op != T_IN && (op < T_EQ || op > T_GE)) {
		*out = l;
		return FU_OK;
	}
	at = p->start;
	rc = lex(p);
	if (!rc)
		rc = parse_not(p, &r);
	if (rc) {
		node_free(l);
		return rc;
	}
	rc = node_pair(p, op == T_IN ? N_IN : N_CMP, op, l, r, out);
	if (!rc)
		(*out)->at = at;
	return rc;
}

static int parse_logic(struct parser *p, int tok, struct node **out);

/* An operand of 'or' is an 'and' chain; an operand of 'and' is a comparison. */
static int parse_operand(struct parser *p, int tok, struct node **out)
{
	return tok == T_OR ? parse_logic(p, T_AND, out) : parse_cmp(p, out);
}

/* A chain of operands joined by tok (T_AND or T_OR), grouped from the left. */
static int parse_logic(struct parser *p, int tok, struct node **out)
{
	struct node *l, *r;
	int rc;

	*out = NULL;
	rc = parse_operand(p, tok, &l);
	while (!rc && p->tok == tok) {
		rc = lex(p);
		if (!rc)
			rc = parse_operand(p, tok, &r);
		if (rc)
			break;
		rc = node_pair(p, tok == T_AND ? N_AND : N_OR, 0, l, r, &l);
		if (rc)
			return rc;
	}
	if (rc) {
		node_free(l);
		return rc;
	}
	*out = l;
	return FU_OK;
}

static int parse_or(struct parser *p, struct node **out)
{
	return parse_logic(p, T_OR, out);
}

int expr_parse(struct fu_ctx *ctx, const char *src, struct expr **out)
{
	struct parser p;
	struct node *root = NULL;
	int rc;

	*out = NULL;
	if (!src)
		src = "";
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.src = src;
	p.len = strlen(src);
	if (p.len > EXPR_MAX_SRC)
		return fu_err(ctx, FU_EINPUT, "expression longer than %d bytes", EXPR_MAX_SRC);
	rc = lex(&p);
	if (rc)
		return rc;
	if (p.tok != T_END) {
		rc = parse_or(&p, &root);
		if (rc)
			return rc;
		if (p.tok != T_END) {
			node_free(root);
			return err_unexpected(&p);
		}
	}
	*out = malloc(sizeof(**out));
	if (!*out) {
		node_free(root);
		return fu_err(ctx, FU_ENOMEM, "out of memory parsing an expression");
	}
	(*out)->root = root;
	return FU_OK;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	node_free(e->root);
	free(e);
}

struct evaluation {
	struct fu_ctx *ctx;
	expr_lookup_fn fn;
	void *arg;
};

static const char *kind_name(int kind)
{
	switch (kind) {
	case EXPR_NUM:
		return "number";
	case EXPR_STR:
		return "string";
	case EXPR_BOOL:
		return "bool";
	default:
		return "list";
	}
}

static int truth(const struct expr_value *v)
{
	switch (v->kind) {
	case EXPR_NUM:
		return v->num != 0;
	case EXPR_STR:
		return v->str && v->str[0];
	case EXPR_BOOL:
		return v->b != 0;
	default:
		return v->nlist > 0;
	}
}

static int value_of(struct evaluation *ev, const struct node *n, struct expr_value *v);

static int truth_of(struct evaluation *ev, const struct node *n, int *t)
{
	struct expr_value v;
	int rc = value_of(ev, n, &v);

	if (rc)
		return rc;
	*t = truth(&v);
	return FU_OK;
}

static int ordered(int op, int c)
{
	switch (op) {
	case T_EQ:
		return c == 0;
	case T_NE:
		return c != 0;
	case T_LT:
		return c < 0;
	case T_LE:
		return c <= 0;
	case T_GT:
		return c > 0;
	default:
		return c >= 0;
	}
}

static int compare(struct evaluation *ev, int op, const struct expr_value *a,
		   const struct expr_value *b, int *result)
{
	double x, y;

	if (a->kind != b->kind)
		return fu_err(ev->ctx, FU_EINPUT, "cannot compare %s with %s", kind_name(a->kind),
			      kind_name(b->kind));
	switch (a->kind) {
	case EXPR_NUM:
		x = a->num;
		y = b->num;
		/* direct comparisons so that NaN equals nothing */
		switch (op) {
		case T_EQ:
			*result = x == y;
			break;
		case T_NE:
			*result = x != y;
			break;
		case T_LT:
			*result = x < y;
			break;
		case T_LE:
			*result = x <= y;
			break;
		case T_GT:
			*result = x > y;
			break;
		default:
			*result = x >= y;
		}
		return FU_OK;
	case EXPR_STR:
		*result = ordered(op, strcmp(a->str ? a->str : "", b->str ? b->str : ""));
		return FU_OK;
	case EXPR_BOOL:
		if (op != T_EQ && op != T_NE)
			return fu_err(ev->ctx, FU_EINPUT, "cannot use '%s' on bool values", op_names[op]);
		*result = ordered(op, !a->b - !b->b);
		return FU_OK;
	default:
		return fu_err(ev->ctx, FU_EINPUT, "cannot use '%s' on list values (use 'in')",
			      op_names[op]);
	}
}

static int member(struct evaluation *ev, const struct expr_value *a, const struct expr_value *b,
		  int *result)
{
	int i;

	if (a->kind != EXPR_STR)
		return fu_err(ev->ctx, FU_EINPUT, "'in' needs a string on the left, got %s",
			      kind_name(a->kind));
	if (b->kind != EXPR_LIST)
		return fu_err(ev->ctx, FU_EINPUT, "'in' needs a list on the right, got %s",
			      kind_name(b->kind));
	*result = 0;
	for (i = 0; i < b->nlist; i++)
		if (b->list[i] && !strcmp(b->list[i], a->str ? a->str : "")) {
			*result = 1;
			break;
		}
	return FU_OK;
}

static int value_of(struct evaluation *ev, const struct node *n, struct expr_value *v)
{
	struct expr_value a, b;
	int rc, t = 0;

	memset(v, 0, sizeof(*v));
	switch (n->kind) {
	case N_NUM:
		v->kind = EXPR_NUM;
		v->num = n->num;
		return FU_OK;
	case N_STR:
		v->kind = EXPR_STR;
		v->str = n->str;
		return FU_OK;
	case N_BOOL:
		v->kind = EXPR_BOOL;
		v->b = n->b;
		return FU_OK;
	case N_NAME:
		if (!ev->fn || ev->fn(ev->arg, n->str, v) != 0)
			return fu_err(ev->ctx, FU_EINPUT, "unknown name '%s'", n->str);
		if (v->kind < EXPR_NUM || v->kind > EXPR_LIST)
			return fu_err(ev->ctx, FU_EINTERNAL, "name '%s' has a value of unknown kind %d",
				      n->str, v->kind);
		return FU_OK;
	case N_NOT:
		rc = truth_of(ev, n->l, &t);
		t = !t;
		break;
	case N_AND:
	case N_OR:
		rc = truth_of(ev, n->l, &t);
		if (!rc && t == (n->kind == N_AND))
			rc = truth_of(ev, n->r, &t);
		break;
	default: /* N_CMP, N_IN */
		rc = value_of(ev, n->l, &a);
		if (!rc)
			rc = value_of(ev, n->r, &b);
		if (!rc)
			rc = n->kind == N_IN ? member(ev, &a, &b, &t) : compare(ev, n->op, &a, &b, &t);
	}
	if (rc)
		return rc;
	memset(v, 0, sizeof(*v));
	v->kind = EXPR_BOOL;
	v->b = t;
	return FU_OK;
}

int expr_eval(struct fu_ctx *ctx, const struct expr *e, expr_lookup_fn fn, void *arg, int *result)
{
	struct evaluation ev = { ctx, fn, arg };
	int rc;

	*result = 0;
	if (!e || !e->root) {
		*result = 1;
		return FU_OK;
	}
	rc = truth_of(&ev, e->root, result);
	if (rc)
		*result = 0;
	return rc;
}

static int is_known(const char *name, const char *const *known)
{
	for (; known && *known; known++)
		if (!strcmp(*known, name))
			return 1;
	return 0;
}

/* The first name in n (depth first, left to right) not in known, or NULL. */
static const char *first_unknown(const struct node *n, const char *const *known)
{
	const char *bad;

	if (!n)
		return NULL;
	if (n->kind == N_NAME)
		return is_known(n->str, known) ? NULL : n->str;
	bad = first_unknown(n->l, known);
	return bad ? bad : first_unknown(n->r, known);
}

int expr_check_names(struct fu_ctx *ctx, const struct expr *e, const char *const *known)
{
	char list[FU_MSG_MAX];
	size_t used = 0;
	const char *bad;
	int n;

	bad = e ? first_unknown(e->root, known) : NULL;
	if (!bad)
		return FU_OK;
	list[0] = '\0';
	for (; known && *known && used < sizeof(list); known++) {
		n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *known);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return fu_err(ctx, FU_EINPUT, "unknown name '%s' (known: %s)", bad, used ? list : "none");
}

/*
 * The kind a node's value has, into *kind, or FU_EINPUT "column N: ..." for the first
 * comparison that could never be evaluated (the messages of compare() and member()).
 */
static int kind_of(struct fu_ctx *ctx, const struct node *n, expr_kind_fn fn, void *arg,
		   int *kind)
{
	int a, b, rc;

	switch (n->kind) {
	case N_NUM:
		*kind = EXPR_NUM;
		return FU_OK;
	case N_STR:
		*kind = EXPR_STR;
		return FU_OK;
	case N_BOOL:
		*kind = EXPR_BOOL;
		return FU_OK;
	case N_NAME:
		*kind = fn ? fn(arg, n->str) : -1;
		if (*kind < EXPR_NUM || *kind > EXPR_LIST)
			return fu_err(ctx, FU_EINPUT, "column %d: unknown name '%s'", col(n->at), n->str);
		return FU_OK;
	case N_NOT:
		*kind = EXPR_BOOL;
		return kind_of(ctx, n->l, fn, arg, &a);
	case N_AND:
	case N_OR:
		*kind = EXPR_BOOL;
		rc = kind_of(ctx, n->l, fn, arg, &a);
		return rc ? rc : kind_of(ctx, n->r, fn, arg, &b);
	default: /* N_CMP, N_IN */
		*kind = EXPR_BOOL;
		rc = kind_of(ctx, n->l, fn, arg, &a);
		if (!rc)
			rc = kind_of(ctx, n->r, fn, arg, &b);
		if (rc)
			return rc;
		if (n->kind == N_IN) {
			if (a != EXPR_STR)
				return fu_err(ctx, FU_EINPUT,
					      "column %d: 'in' needs a string on the left, got %s",
					      col(n->at), kind_name(a));
			if (b != EXPR_LIST)
				return fu_err(ctx, FU_EINPUT,
					      "column %d: 'in' needs a list on the right, got %s",
					      col(n->at), kind_name(b));
			return FU_OK;
		}
		if (a != b)
			return fu_err(ctx, FU_EINPUT, "column %d: cannot compare %s with %s",
				      col(n->at), kind_name(a), kind_name(b));
		if (a == EXPR_BOOL && n->op != T_EQ && n->op != T_NE)
			return fu_err(ctx, FU_EINPUT, "column %d: cannot use '%s' on bool values",
				      col(n->at), op_names[n->op]);
		if (a == EXPR_LIST)
			return fu_err(ctx, FU_EINPUT,
				      "column %d: cannot use '%s' on list values (use 'in')",
				      col(n->at), op_names[n->op]);
		return FU_OK;
	}
}

int expr_check_types(struct fu_ctx *ctx, const struct expr *e, expr_kind_fn fn, void *arg)
{
	int kind;

	if (!e || !e->root)
		return FU_OK;
	return kind_of(ctx, e->root, fn, arg, &kind);
}
