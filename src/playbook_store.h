/* playbook_store.h - choosing the playbook in effect (`playbook use`, the server's settings) */
#ifndef FU_PLAYBOOK_STORE_H
#define FU_PLAYBOOK_STORE_H

#include "fu.h"
#include "playbook.h"
#include "store.h"

/*
 * Loads and checks the playbook file at path (NULL: the built-in playbook) into *pb
 * (playbook_init()ed by the caller, who releases it), then keeps it in s as the playbook in
 * effect and forgets every contact's agenda wake, in one transaction (store_playbook_set):
 * on any failure the playbook in effect and the wakes are as they were. Fails as
 * playbook_load_file() does (FU_EINPUT with file:line:column) or on a store error.
 * agenda_playbook() (agenda.h) loads what this keeps.
 */
int playbook_store_use(struct fu_ctx *ctx, struct store *s, const char *path,
		       struct playbook *pb);

/* As playbook_store_use, from the YAML text (called `name` in messages: name:line:column). */
int playbook_store_use_text(struct fu_ctx *ctx, struct store *s, const char *name,
			    const char *yaml, struct playbook *pb);

#endif
