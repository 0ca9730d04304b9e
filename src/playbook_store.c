/* playbook_store.c - choosing the playbook in effect: checked, kept, and the agenda's wakes forgotten at once */
#include "playbook_store.h"

#include "banned.h"

int playbook_store_use(struct fu_ctx *ctx, struct store *s, const char *path,
		       struct playbook *pb)
{
	int rc = path ? playbook_load_file(ctx, path, pb) : playbook_load_default(ctx, pb);

	if (rc)
		return rc;
	return store_playbook_set(ctx, s, path ? pb->source : NULL);
}

int playbook_store_use_text(struct fu_ctx *ctx, struct store *s, const char *name,
			    const char *yaml, struct playbook *pb)
{
	int rc = playbook_load_string(ctx, name, yaml, pb);

	if (rc)
		return rc;
	return store_playbook_set(ctx, s, pb->source);
}
