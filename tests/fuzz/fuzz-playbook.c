/* fuzz-playbook.c - libFuzzer target: the YAML playbook loader must fail cleanly or load */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "playbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fu_ctx ctx;
	struct playbook pb;
	char *s;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fu_ctx_init(&ctx);
	playbook_init(&pb);
	if (playbook_load_string(&ctx, "fuzz.yaml", s, &pb) == FU_OK)
		playbook_release(&pb);
	free(s);
	return 0;
}
