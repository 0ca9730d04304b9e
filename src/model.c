/* model.c - event and contact lifecycles, the fold of events into contact state, stages and money */
#include "model.h"
#include "checked.h"
#include "message.h"
#include "outcome.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static const char *const event_names[EV__COUNT] = {
	[EV_LEAD] = "lead",
	[EV_INFO_REQUEST] = "info_request",
	[EV_EMAIL_CLICK] = "email_click",
	[EV_PURCHASE] = "purchase",
	[EV_INVOICE] = "invoice",
	[EV_PAYMENT] = "payment",
	[EV_SERVICE] = "service",
	[EV_APPOINTMENT] = "appointment",
	[EV_TOUCH] = "touch",
	[EV_REPLY] = "reply",
	[EV_OPT_OUT] = "opt_out",
	[EV_MESSAGE] = "message",
	[EV_BOUNCE] = "bounce",
};

const char *event_type_name(int type)
{
	if (type < 0 || type >= EV__COUNT)
		return NULL;
	return event_names[type];
}

int event_type_parse(struct fu_ctx *ctx, const char *s, int *type)
{
	int i = fu_name_index(event_names, EV__COUNT, s);

	if (i < 0)
		return fu_err(ctx, FU_EINPUT, "unknown type '%.64s'", s);
	*type = i;
	return FU_OK;
}

void event_init(struct event *e)
{
	memset(e, 0, sizeof(*e));
	e->time = FU_TIME_NONE;
	e->due = FU_TIME_NONE;
	e->type = -1;
}

int event_reply_automatic(const struct event *e)
{
	return e->type == EV_REPLY && e->outcome && !strcmp(e->outcome, REPLY_AUTOMATIC);
}

void event_release(struct event *e)
{
	free(e->ext_id);
	free(e->contact_key);
	free(e->ref);
	free(e->channel);
	free(e->outcome);
	free(e->note);
	free(e->author);
	event_init(e);
}

void contact_init(struct contact *c)
{
	memset(c, 0, sizeof(*c));
}

void contact_release(struct contact *c)
{
	free(c->key);
	free(c->name);
	free(c->email);
	free(c->phone);
	free(c->company);
	free(c->owner);
	free(c->tz);
	free(c->attrs);
	contact_init(c);
}

static int copy_str(const char *src, char **dst)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst;
}

int contact_copy(struct fu_ctx *ctx, struct contact *dst, const struct contact *src)
{
	contact_init(dst);
	dst->id = src->id;
	if (copy_str(src->key, &dst->key) || copy_str(src->name, &dst->name) ||
	    copy_str(src->email, &dst->email) || copy_str(src->phone, &dst->phone) ||
	    copy_str(src->company, &dst->company) || copy_str(src->owner, &dst->owner) ||
	    copy_str(src->tz, &dst->tz) || copy_str(src->attrs, &dst->attrs)) {
		contact_release(dst);
		return fu_err(ctx, FU_ENOMEM, "out of memory copying contact '%s'",
			      src->key ? src->key : "?");
	}
	return FU_OK;
}

void contact_state_init(struct contact_state *st, int64_t contact_id)
{
	memset(st, 0, sizeof(*st));
	st->contact_id = contact_id;
	/* every time column starts as "none" */
#define TIME_NONE_COUNT(f)
#define TIME_NONE_MONEY(f)
#define TIME_NONE_FLAG(f)
#define TIME_NONE_TIME(f) st->f = FU_TIME_NONE;
#define X(name, kind) TIME_NONE_##kind(name)
	CONTACT_STATE_COLUMNS(X)
#undef X
}

void contact_state_release(struct contact_state *st)
{
	for (int i = 0; i < st->n_open; i++)
		free(st->open[i].ref);
	free(st->open);
	st->open = NULL;
	st->n_open = 0;
	st->cap_open = 0;
}

int64_t purchase_day(int64_t t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

int64_t payment_late_from(int64_t due)
{
	return (purchase_day(due) + 1) * 86400;
}

int payment_late(int64_t paid, int64_t due)
{
	/* a payment on the due date itself is on time */
	return due != FU_TIME_NONE && paid >= payment_late_from(due);
}

static int str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int add_open_invoice(struct fu_ctx *ctx, struct contact_state *st, const struct event *e)
{
	struct open_invoice *inv;

	if (fu_grow(ctx, &st->open, &st->cap_open, (size_t)st->n_open + 1, sizeof(*st->open), 4,
		    "folding invoices"))
		return ctx->rc;
	inv = &st->open[st->n_open];
	inv->ref = NULL;
	if (e->ref) {
		inv->ref = strdup(e->ref);
		if (!inv->ref)
			return fu_err(ctx, FU_ENOMEM, "out of memory folding invoices");
	}
	inv->due = e->due;
	inv->amount = e->has_amount ? e->amount : 0;
	inv->time = e->time;
	if (ck_add(st->open_amount, inv->amount, &st->open_amount)) {
		free(inv->ref);
		return fu_err(ctx, FU_EINPUT, "amount: the contact's open invoices would total "
			      "more than the largest amount");
	}
	st->n_open++;
	st->invoices_open++;
	return FU_OK;
}

/* Settles the open invoice with the payment's ref; counts it on time or late. */
static void settle_invoice(struct contact_state *st, const struct event *e)
{
	for (int i = 0; i < st->n_open; i++) {
		struct open_invoice *inv = &st->open[i];

		if (!str_eq(inv->ref, e->ref))
			continue;
		if (payment_late(e->time, inv->due))
			st->paid_late++;
		else
			st->paid_on_time++;
		st->invoices_open--;
		/* open_amount is a sum of the open invoices' amounts, each added with a check */
		st->open_amount -= inv->amount;
		free(inv->ref);
		st->open[i] = st->open[st->n_open - 1];
		st->n_open--;
		return;
	}
}

static void touch_in(struct contact_state *st, int64_t t, int two_way)
{
	st->last_touch_in = t;
	if (two_way)
		st->last_two_way = t;
}

int contact_state_apply(struct fu_ctx *ctx, struct contact_state *st, const struct event *e)
{
	int64_t t = e->time;
	int o;

	st->events++;
	if (st->first_event == FU_TIME_NONE)
		st->first_event = t;
	st->last_event = t;

	switch (e->type) {
	case EV_LEAD:
		if (st->lead_at == FU_TIME_NONE)
			st->lead_at = t;
		touch_in(st, t, 0);
		break;
	case EV_INFO_REQUEST:
	case EV_EMAIL_CLICK:
		touch_in(st, t, 0);
		break;
	case EV_PURCHASE:
		if (st->last_purchase == FU_TIME_NONE ||
		    purchase_day(t) != purchase_day(st->last_purchase))
			st->purchase_days++;
		st->purchases++;
		if (st->first_purchase == FU_TIME_NONE)
			st->first_purchase = t;
		st->last_purchase = t;
		if (e->has_amount && ck_add(st->spend, e->amount, &st->spend))
			return fu_err(ctx, FU_EINPUT, "amount: the contact's total spend would be "
				      "more than the largest amount");
		touch_in(st, t, 1);
		break;
	case EV_INVOICE:
		st->invoices++;
		return add_open_invoice(ctx, st, e);
	case EV_PAYMENT:
		st->payments++;
		if (e->ref)
			settle_invoice(st, e);
		touch_in(st, t, 1);
		break;
	case EV_SERVICE:
		st->services++;
		touch_in(st, t, 1);
		break;
	case EV_APPOINTMENT:
		break;
	case EV_TOUCH:
		/* a snooze is a note to ourselves, not a touch the customer felt */
		o = outcome_of(e->outcome);
		if (o >= 0 && !outcome_info(o)->felt)
			break;
		st->last_touch_out = t;
		if (o > 0 && outcome_info(o)->conversation)
			st->last_two_way = t;
		if (o > 0 && outcome_info(o)->opts_out)
			st->do_not_contact = 1;
		break;
	case EV_REPLY:
		if (!event_reply_automatic(e))
			touch_in(st, t, 1);
		break;
	case EV_OPT_OUT:
		if (str_eq(e->channel, "email"))
			st->opted_out_email = 1;
		else
			st->do_not_contact = 1;
		break;
	case EV_MESSAGE:
		/* a message that may have reached them is an outgoing touch (outbox.h) */
		if (message_outcome_felt(e->ref, e->outcome))
			st->last_touch_out = t;
		break;
	case EV_BOUNCE:
		break; /* the engine compares the address with the contact's own */
	default:
		return fu_err(ctx, FU_EINTERNAL, "event %lld has unknown type %d", (long long)e->id,
			      e->type);
	}
	return FU_OK;
}

static const char *const stage_names[STAGE__COUNT] = {
	[STAGE_LEAD] = "lead",
	[STAGE_CUSTOMER] = "customer",
	[STAGE_REPEAT] = "repeat",
	[STAGE_DORMANT] = "dormant",
};

/*
 * Dormant, a plain rule on the state: a buyer whose wait since the last purchase is more than
 * three of their own average gaps and at least 90 days; a one-time buyer after 365 days.
 */
int contact_stage(const struct contact_state *st, int64_t now)
{
	int64_t since, gap;

	if (st->purchases == 0)
		return STAGE_LEAD;
	since = now - st->last_purchase;
	if (st->purchase_days >= 2) {
		gap = (st->last_purchase - st->first_purchase) / (st->purchase_days - 1);
		if (since > 3 * gap && since > 90 * 86400)
			return STAGE_DORMANT;
		return STAGE_REPEAT;
	}
	if (since > 365 * 86400)
		return STAGE_DORMANT;
	return STAGE_CUSTOMER;
}

int64_t contact_stage_change(const struct contact_state *st, int64_t now)
{
	int64_t at, gap;

	/* keep in step with contact_stage(): the only clock there is the time since the last purchase */
	if (st->purchases == 0)
		return INT64_MAX;
	if (st->purchase_days >= 2) {
		gap = (st->last_purchase - st->first_purchase) / (st->purchase_days - 1);
		at = st->last_purchase + (3 * gap > 90 * 86400 ? 3 * gap : 90 * 86400);
	} else {
		at = st->last_purchase + 365 * 86400;
	}
	return at > now ? at : INT64_MAX;
}

const char *stage_name(int stage)
{
	if (stage < 0 || stage >= STAGE__COUNT)
		return "unknown";
	return stage_names[stage];
}

int stage_parse(const char *s, int *stage)
{
	int i = fu_name_index(stage_names, STAGE__COUNT, s);

	if (i < 0)
		return -1;
	*stage = i;
	return 0;
}

int amount_parse(struct fu_ctx *ctx, const char *s, int64_t *cents)
{
	const char *p = s;
	int neg = 0, digits = 0, frac = 0, grouped = 0;
	int64_t v = 0;

	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (*p == '$')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (v > (INT64_MAX - 9) / 10)
				return fu_err(ctx, FU_EINPUT, "amount \"%.64s\": too large", s);
			v = v * 10 + (*p - '0');
			digits++;
		} else if (*p == ',' && digits > 0 && strspn(p + 1, "0123456789") == 3) {
			grouped = 1; /* thousands grouping: 1,240.00 */
			continue;
		} else {
			break;
		}
	}
	/* a decimal comma (19,90) when no grouping or point is used */
	if (*p == '.' || (*p == ',' && digits > 0 && !grouped && !strchr(s, '.'))) {
		p++;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (frac < 2) {
				if (v > (INT64_MAX - 9) / 10)
					return fu_err(ctx, FU_EINPUT, "amount \"%.64s\": too large", s);
				v = v * 10 + (*p - '0');
			} else if (*p != '0') {
				return fu_err(ctx, FU_EINPUT,
					      "amount \"%.64s\": more than two decimal places", s);
			}
			frac++;
			digits++;
		}
	}
	while (*p == ' ')
		p++;
	if (*p || digits == 0)
		return fu_err(ctx, FU_EINPUT, "amount \"%.64s\": not a number", s);
	for (; frac < 2; frac++) {
		if (v > INT64_MAX / 10)
			return fu_err(ctx, FU_EINPUT, "amount \"%.64s\": too large", s);
		v *= 10;
	}
	*cents = neg ? -v : v;
	return FU_OK;
}

void amount_format(int64_t cents, char *out, size_t n)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(out, n, "%s%llu.%02llu", cents < 0 ? "-" : "", (unsigned long long)(a / 100),
		 (unsigned long long)(a % 100));
}
