/* jview.h - the model's JSON views (contact, state, event, follow-up), shared by every front end */
#ifndef FU_JVIEW_H
#define FU_JVIEW_H

#include <stdint.h>

#include <jansson.h>

#include "engine.h"
#include "model.h"

/*
 * Every function returns a new reference (the caller json_decref()s it), or NULL on
 * out-of-memory. Absent values are JSON null; times are ISO 8601 UTC text; money is a
 * number of currency units (cents / 100).
 */
json_t *jview_str(const char *s);
json_t *jview_time(int64_t t);
json_t *jview_money(int64_t cents);

/* A contact's profile: key, name, email, phone, company, owner, tz, attributes. */
json_t *jview_contact(const struct contact *c);
/* Derived state, with the stage at now. */
json_t *jview_state(const struct contact_state *st, int64_t now);
/* One event of a timeline. */
json_t *jview_event(const struct event *e);
/* A follow-up as the agenda shows it, with every reason. */
json_t *jview_followup(const struct followup *f);

struct outbox_item;
/* One message of the outbox (outbox.h): id, contact, channel, state, tries, to, subject,
 * due, last, next_try, why. */
json_t *jview_outbox_item(const struct outbox_item *it);

#endif
