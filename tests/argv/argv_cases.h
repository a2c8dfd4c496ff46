/* The argv suite's cases: our own XMLs in data/ and libvirt's corpus XMLs
 * read in place; each has a golden data/<name>.argv (or .err). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "qemu/qemu_command.h"

struct argv_case {
    char *name; /* own: file stem; corpus: "corpus-<stem>" */
    char *xml_path;
    char *golden_base; /* data/<name>, add .argv or .err */
    bool corpus;       /* a parse failure is a skip, not a failure */
};

/* All cases, own ones first, each group sorted by name. Exits on I/O errors. */
size_t argv_cases_list(struct argv_case **out);
void argv_cases_free(struct argv_case *cases, size_t n);
/* Whole file, or NULL when it does not exist. */
char *argv_read_file(const char *path);
/* The fixed context of golden files: monitor fd placeholder 1729 (libvirt's
 * old fixed value), a fixed run dir and clock. */
struct vk_qemu_cmd_ctx argv_test_ctx(void);
/* Replaces what the parser generates at random (a missing uuid, missing
 * MACs) with fixed values so golden files are stable. */
struct vk_domain_def;
void argv_case_stabilize(struct vk_domain_def *def, const char *xml);
