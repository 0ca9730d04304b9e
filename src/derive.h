/* derive.h - contact state derived from the event log: per contact and for the whole store */
#ifndef FU_DERIVE_H
#define FU_DERIVE_H

#include <stdint.h>

#include "fu.h"
#include "store.h"

/*
 * Refolds one contact from all its events and stores the state. Storing a state makes the
 * contact's agenda wake unknown (store.h), here and in derive_contacts and derive_all.
 */
int derive_contact(struct fu_ctx *ctx, struct store *s, int64_t contact_id);

/*
 * Refolds the given contacts (ids may repeat, any order; the array is sorted in place).
 * Reads the log forward once, through these contacts' events only.
 */
int derive_contacts(struct fu_ctx *ctx, struct store *s, int64_t *ids, size_t n);

/*
 * Throws away all derived state (the agenda's wakes too) and folds it again from the event
 * log, inside the caller's transaction. *contacts and *events (if non-NULL) receive the counts folded.
 */
int derive_all(struct fu_ctx *ctx, struct store *s, int64_t *contacts, int64_t *events);

/*
 * `rebuild`: derive_all in a transaction of its own, with the store in bulk mode for the
 * duration. On failure nothing has changed.
 */
int derive_rebuild(struct fu_ctx *ctx, struct store *s, int64_t *contacts, int64_t *events);

#endif
