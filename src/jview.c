/* jview.c - the model's JSON views, shared by the command line and the server */
#include "jview.h"

#include "buf.h"
#include "datetime.h"
#include "outbox.h"
#include "playbook.h"

#include "banned.h"

json_t *jview_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *jview_time(int64_t t)
{
	char b[40];

	if (t == FU_TIME_NONE)
		return json_null();
	dt_format_iso(t, b, sizeof(b));
	return json_string(b);
}

json_t *jview_money(int64_t cents)
{
	return json_real((double)cents / 100.0);
}

json_t *jview_state(const struct contact_state *st, int64_t now)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "stage", json_string(stage_name(contact_stage(st, now))));
	/* every column of the state, in CONTACT_STATE_COLUMNS order (model.h) */
#define JSON_COUNT(v) json_integer(v)
#define JSON_MONEY(v) jview_money(v)
#define JSON_TIME(v) jview_time(v)
#define JSON_FLAG(v) json_boolean(v)
#define X(name, kind) json_object_set_new(o, #name, JSON_##kind(st->name));
	CONTACT_STATE_COLUMNS(X)
#undef X
	return o;
}

json_t *jview_contact(const struct contact *c)
{
	json_t *o = json_object(), *attrs = NULL;

	if (!o)
		return NULL;
	json_object_set_new(o, "key", jview_str(c->key));
	json_object_set_new(o, "name", jview_str(c->name));
	json_object_set_new(o, "email", jview_str(c->email));
	json_object_set_new(o, "phone", jview_str(c->phone));
	json_object_set_new(o, "company", jview_str(c->company));
	json_object_set_new(o, "owner", jview_str(c->owner));
	json_object_set_new(o, "tz", jview_str(c->tz));
	if (c->attrs)
		attrs = json_loads(c->attrs, 0, NULL);
	json_object_set_new(o, "attributes", attrs ? attrs : json_object());
	return o;
}

json_t *jview_event(const struct event *e)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "ext_id", jview_str(e->ext_id));
	json_object_set_new(o, "type", json_string(event_type_name(e->type)));
	json_object_set_new(o, "time", jview_time(e->time));
	json_object_set_new(o, "amount", e->has_amount ? jview_money(e->amount) : json_null());
	json_object_set_new(o, "ref", jview_str(e->ref));
	json_object_set_new(o, "due", jview_time(e->due));
	json_object_set_new(o, "channel", jview_str(e->channel));
	json_object_set_new(o, "outcome", jview_str(e->outcome));
	json_object_set_new(o, "note", jview_str(e->note));
	json_object_set_new(o, "author", jview_str(e->author));
	return o;
}

static json_t *reason_json(const struct reason *r)
{
	json_t *o = json_object(), *ev = json_array();

	if (!o || !ev) {
		json_decref(o);
		json_decref(ev);
		return NULL;
	}
	for (int i = 0; i < r->nevents; i++)
		json_array_append_new(ev, json_integer(r->events[i]));
	json_object_set_new(o, "trigger", json_string(trigger_name(r->trigger)));
	json_object_set_new(o, "why", json_string(r->why));
	json_object_set_new(o, "events", ev);
	json_object_set_new(o, "since", jview_time(r->since));
	json_object_set_new(o, "due", jview_time(r->due));
	json_object_set_new(o, "channel", json_string(channel_name(r->channel)));
	json_object_set_new(o, "priority", json_integer(r->priority));
	json_object_set_new(o, "transactional", json_boolean(r->transactional));
	json_object_set_new(o, "say", json_string(r->say));
	return o;
}

json_t *jview_followup(const struct followup *f)
{
	json_t *o = json_object(), *rs = json_array();
	struct buf say;
	struct fu_ctx tmp;

	if (!o || !rs) {
		json_decref(o);
		json_decref(rs);
		return NULL;
	}
	fu_ctx_init(&tmp);
	buf_init(&say, 0);
	for (int i = 0; i < f->nreasons; i++) {
		json_array_append_new(rs, reason_json(&f->reasons[i]));
		buf_addf(&tmp, &say, "%s%s", i ? "\n" : "", f->reasons[i].say);
	}
	json_object_set_new(o, "id", json_string(f->id));
	json_object_set_new(o, "contact", json_string(f->key));
	json_object_set_new(o, "name", jview_str(f->name));
	json_object_set_new(o, "owner", jview_str(f->owner));
	json_object_set_new(o, "email", jview_str(f->email));
	json_object_set_new(o, "phone", jview_str(f->phone));
	json_object_set_new(o, "tz", jview_str(f->tz));
	json_object_set_new(o, "due", jview_time(f->due));
	json_object_set_new(o, "overdue", json_boolean(f->overdue));
	json_object_set_new(o, "escalated", json_boolean(f->escalated));
	json_object_set_new(o, "automated", json_boolean(f->automated));
	json_object_set_new(o, "do_not_contact", json_boolean(f->do_not_contact));
	json_object_set_new(o, "channel", json_string(channel_name(f->channel)));
	json_object_set_new(o, "priority", json_integer(f->priority));
	json_object_set_new(o, "say", json_string(buf_cstr(&say)));
	json_object_set_new(o, "reasons", rs);
	buf_release(&say);
	return o;
}

json_t *jview_outbox_item(const struct outbox_item *it)
{
	return json_pack("{s:s, s:o, s:o, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "id", it->id,
			 "contact", jview_str(it->key), "channel", jview_str(it->channel),
			 "state", outbox_state_name(it->state), "tries", it->tries, "to",
			 jview_str(it->to), "subject", jview_str(it->subject), "due",
			 jview_time(it->due), "last", jview_time(it->last_at), "next_try",
			 jview_time(it->next_try), "why", jview_str(it->why));
}
