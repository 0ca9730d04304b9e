/* field.c - the field table of the rule language: each name's type, where it may be used, and its getter */
#include "field.h"
#include "walk.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "expr.h"

#include "banned.h"

static void get_nth(struct lookup *l, struct field_value *v)
{
	v->num = l->o->nth;
}

static void get_amount(struct lookup *l, struct field_value *v)
{
	v->present = l->o->has_amount;
	v->cents = l->o->has_amount ? l->o->amount : 0;
}

static void get_channel(struct lookup *l, struct field_value *v)
{
	v->str = channel_name(l->channel);
}

static void get_days(struct lookup *l, struct field_value *v)
{
	l->read_days = 1;
	v->num = (double)days_between(l->o->since, l->w->now);
}

static void get_stage(struct lookup *l, struct field_value *v)
{
	(void)clock_reached(&l->w->clock, contact_stage_change(l->st, l->w->now));
	v->str = stage_name(contact_stage(l->st, l->w->now));
}

static void get_value(struct lookup *l, struct field_value *v)
{
	v->cents = l->w->value;
}

static void get_spend(struct lookup *l, struct field_value *v)
{
	v->cents = l->st->spend;
}

static void get_purchases(struct lookup *l, struct field_value *v)
{
	v->num = (double)l->st->purchases;
}

/* for a late payment: the late payments up to and including this one */
static void get_late_payments(struct lookup *l, struct field_value *v)
{
	v->num = l->trigger == TRIG_PAID_LATE ? l->o->nth : (double)l->st->paid_late;
}

static void get_on_time_payments(struct lookup *l, struct field_value *v)
{
	v->num = (double)l->st->paid_on_time;
}

static void get_invoices_open(struct lookup *l, struct field_value *v)
{
	v->num = (double)l->st->invoices_open;
}

static void get_owner(struct lookup *l, struct field_value *v)
{
	v->present = l->c->owner != NULL;
	v->str = l->c->owner;
}

static void get_tags(struct lookup *l, struct field_value *v)
{
	lookup_tags(l);
	v->list = l->tags;
	v->nlist = l->ntags;
}

static void get_has_email(struct lookup *l, struct field_value *v)
{
	v->num = l->c->email != NULL;
}

static void get_has_phone(struct lookup *l, struct field_value *v)
{
	v->num = l->c->phone != NULL;
}

static void get_clicks(struct lookup *l, struct field_value *v)
{
	v->num = l->w->clicks;
}

static void get_overdue_days(struct lookup *l, struct field_value *v)
{
	const struct occ *o = l->o;

	l->read_overdue = 1;
	v->num = o->event_due != FU_TIME_NONE ? (double)days_between(o->event_due, l->w->now) : 0;
}

static void get_first_name(struct lookup *l, struct field_value *v)
{
	char *s = l->scratch[l->nscratch++ % 8];
	size_t n;

	v->present = l->c->name != NULL;
	if (!l->c->name)
		return;
	n = strcspn(l->c->name, " ");
	snprintf(s, 64, "%.*s", (int)(n < 63 ? n : 63), l->c->name);
	v->str = s;
}

static void get_name(struct lookup *l, struct field_value *v)
{
	v->present = l->c->name != NULL;
	v->str = l->c->name;
}

static void get_company(struct lookup *l, struct field_value *v)
{
	v->present = l->c->company != NULL;
	v->str = l->c->company;
}

static void get_ref(struct lookup *l, struct field_value *v)
{
	const struct occ *o = l->o;
	char *s;

	v->present = o->ref != NULL;
	v->str = o->ref;
	/* several overdue invoices: the amount is their total, so the ref says there are more */
	if (o->ref && l->trigger == TRIG_INVOICE_OVERDUE && o->nth > 1) {
		s = l->scratch[l->nscratch++ % 8];
		snprintf(s, 64, "%.40s (and %d more)", o->ref, o->nth - 1);
		v->str = s;
	}
}

static void get_due_date(struct lookup *l, struct field_value *v)
{
	v->present = l->o->event_due != FU_TIME_NONE;
	v->time = l->o->event_due;
	v->utc_day = 1;
}

static void get_event_date(struct lookup *l, struct field_value *v)
{
	v->time = l->o->since;
}

/* the rhythm's: the usual gap (two or more purchase days), whole days since the last */
static void get_usual_gap_days(struct lookup *l, struct field_value *v)
{
	v->present = l->w->lapse.purchase_days >= 2;
	v->num = v->present ? (double)llround(l->w->lapse.r.usual_gap) : 0;
}

static void get_days_since_last(struct lookup *l, struct field_value *v)
{
	v->present = l->w->lapse.purchase_days != 0;
	v->num = v->present ? (double)llround(l->w->lapse.r.waited) : 0;
}

static void get_agreed_date(struct lookup *l, struct field_value *v)
{
	v->present = l->o->due_at != FU_TIME_NONE;
	v->time = l->o->due_at;
}

static void get_questions(struct lookup *l, struct field_value *v)
{
	v->present = l->w->questions.len > 0;
	v->str = v->present ? buf_cstr(&l->w->questions) : NULL;
}

static void get_their_words(struct lookup *l, struct field_value *v)
{
	v->present = l->w->words.len > 0;
	v->str = v->present ? buf_cstr(&l->w->words) : NULL;
}

static void get_business_name(struct lookup *l, struct field_value *v)
{
	v->present = l->pb->business_name != NULL;
	v->str = l->pb->business_name;
}

#define W FIELD_WHEN
#define S FIELD_SAY
#define T(x) (1u << (x))

/* The `when` names first, in the order messages list them, then the `say`-only ones. */
static const struct field_info fields[] = {
	{ "nth", FIELD_NUM, W | S, 0, 0, get_nth },
	{ "amount", FIELD_MONEY, W | S, 1, T(TRIG_INVOICE_OVERDUE), get_amount },
	{ "channel", FIELD_STR, W, 0, 0, get_channel },
	{ "days", FIELD_NUM, W | S, 0, 0, get_days },
	{ "stage", FIELD_STR, W, 0, 0, get_stage },
	{ "value", FIELD_MONEY, W | S, 0, 0, get_value },
	{ "spend", FIELD_MONEY, W, 0, 0, get_spend },
	{ "purchases", FIELD_NUM, W, 0, 0, get_purchases },
	{ "late_payments", FIELD_NUM, W, 0, 0, get_late_payments },
	{ "on_time_payments", FIELD_NUM, W, 0, 0, get_on_time_payments },
	{ "invoices_open", FIELD_NUM, W, 0, 0, get_invoices_open },
	{ "owner", FIELD_STR, W | S, 1, 0, get_owner },
	{ "tags", FIELD_LIST, W, 0, 0, get_tags },
	{ "has_email", FIELD_BOOL, W, 0, 0, get_has_email },
	{ "has_phone", FIELD_BOOL, W, 0, 0, get_has_phone },
	{ "clicks", FIELD_NUM, W | S, 0, 0, get_clicks },
	{ "overdue_days", FIELD_NUM, W, 0, 0, get_overdue_days },
	{ "first_name", FIELD_STR, S, 1, 0, get_first_name },
	{ "name", FIELD_STR, S, 1, 0, get_name },
	{ "company", FIELD_STR, S, 1, 0, get_company },
	{ "ref", FIELD_STR, S, 1, T(TRIG_INVOICE_OVERDUE) | T(TRIG_PAID_LATE), get_ref },
	{ "due_date", FIELD_DATE, S, 1, T(TRIG_INVOICE_OVERDUE) | T(TRIG_PAID_LATE), get_due_date },
	{ "event_date", FIELD_DATE, S, 0, 0, get_event_date },
	{ "usual_gap_days", FIELD_NUM, S, 1, T(TRIG_LAPSED), get_usual_gap_days },
	{ "days_since_last", FIELD_NUM, S, 1, T(TRIG_LAPSED), get_days_since_last },
	{ "check_in_date", FIELD_DATE, S, 1, T(TRIG_CHECK_IN), get_agreed_date },
	{ "questions", FIELD_STR, S, 1, 0, get_questions },
	{ "appointment_time", FIELD_DATE, S, 1, T(TRIG_APPOINTMENT) | T(TRIG_MISSED_APPOINTMENT),
	  get_agreed_date },
	{ "business_name", FIELD_STR, S, 1, 0, get_business_name },
	{ "their_words", FIELD_STR, S, 1, 0, get_their_words },
};

#define NFIELDS ((int)(sizeof(fields) / sizeof(fields[0])))

const struct field_info *field_find(const char *name, int where)
{
	for (int i = 0; i < NFIELDS; i++) {
		if ((fields[i].where & where) && !strcmp(fields[i].name, name))
			return &fields[i];
	}
	return NULL;
}

int field_names(int where, const char **names, int n)
{
	int k = 0;

	for (int i = 0; i < NFIELDS && k < n - 1; i++) {
		if (fields[i].where & where)
			names[k++] = fields[i].name;
	}
	names[k] = NULL;
	return k;
}

int field_expr_kind(const char *name)
{
	const struct field_info *f = field_find(name, FIELD_WHEN);

	if (!f)
		return -1;
	switch (f->type) {
	case FIELD_STR:
		return EXPR_STR;
	case FIELD_BOOL:
		return EXPR_BOOL;
	case FIELD_LIST:
		return EXPR_LIST;
	default: /* numbers, money and dates compare as numbers */
		return EXPR_NUM;
	}
}

int field_count(void)
{
	return NFIELDS;
}

/* ---- the engine's lookups (walk.h): a field's value as the condition and the template read it ---- */

static void field_get(const struct field_info *f, struct lookup *l, struct field_value *v)
{
	memset(v, 0, sizeof(*v));
	v->present = 1;
	f->get(l, v);
}

int lookup_expr(void *arg, const char *name, struct expr_value *out)
{
	const struct field_info *f = field_find(name, FIELD_WHEN);
	struct field_value v;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -1;
	field_get(f, arg, &v);
	switch (f->type) {
	case FIELD_MONEY:
		out->kind = EXPR_NUM;
		out->num = (double)v.cents / 100.0;
		break;
	case FIELD_DATE:
		out->kind = EXPR_NUM;
		out->num = (double)v.time;
		break;
	case FIELD_STR:
		out->kind = EXPR_STR;
		out->str = v.str ? v.str : "";
		break;
	case FIELD_BOOL:
		out->kind = EXPR_BOOL;
		out->b = v.num != 0;
		break;
	case FIELD_LIST:
		out->kind = EXPR_LIST;
		out->list = v.list;
		out->nlist = v.nlist;
		break;
	default:
		out->kind = EXPR_NUM;
		out->num = v.num;
	}
	return 0;
}

const char *lookup_template(void *arg, const char *name)
{
	const struct field_info *f = field_find(name, FIELD_SAY);
	struct lookup *l = arg;
	struct field_value v;
	char *s;

	if (!f)
		return NULL;
	field_get(f, l, &v);
	if (!v.present)
		return ""; /* empty: the fallback, or nothing */
	switch (f->type) {
	case FIELD_MONEY:
		return lookup_money(l, v.cents);
	case FIELD_DATE:
		return v.utc_day ? lookup_day(l, v.time) : lookup_date(l, v.time);
	case FIELD_NUM:
		s = l->scratch[l->nscratch++ % 8];
		snprintf(s, 64, "%lld", (long long)v.num);
		return s;
	default:
		return v.str;
	}
}
