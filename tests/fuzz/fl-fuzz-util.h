/* Shared pieces of the libFuzzer harnesses (tests/fuzz/). */
#pragma once
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Call once from LLVMFuzzerInitialize: GLib criticals and warnings abort
 * (a finding), lesser messages are dropped. */
void fl_fuzz_init (void);

/* Path of an in-memory file holding exactly `data`, for the parsers that
 * read a path (npz, parameters, configuration). Valid until the next call. */
const char *fl_fuzz_as_file (const uint8_t *data, size_t size);

G_END_DECLS
