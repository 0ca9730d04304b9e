/* fuzz-csv.c - libFuzzer target: the CSV reader in every separator mode must fail cleanly or read records */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int seps[] = { ',', ';', '\t', CSV_SEP_WHITESPACE };
	struct csv_opts o = { 0, 256, 4096, 32 };

	for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		struct fu_ctx ctx;
		struct csv_reader *r = NULL;
		struct csv_record *rec;
		FILE *f = fmemopen((void *)data, size ? size : 1, "rb");

		if (!f)
			return 0;
		if (!size)
			fseek(f, 1, SEEK_SET);
		fu_ctx_init(&ctx);
		o.sep = seps[i];
		if (csv_open(&ctx, f, "fuzz.csv", &o, &r) == FU_OK) {
			while (csv_next(&ctx, r, &rec) == FU_OK && rec) {
				for (int k = 0; k < rec->nfields; k++) {
					if (strlen(rec->fields[k]) > o.max_field)
						__builtin_trap();
				}
			}
		}
		csv_close(r);
		fclose(f);
	}
	return 0;
}
