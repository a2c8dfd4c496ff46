/* A minimal unit-test harness: CHECK records a failure and continues;
 * a test program exits non-zero when any check failed. */
#pragma once
#include <stdio.h>
#include <string.h>

static int vk_test_failures;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            vk_test_failures++;                                                       \
        }                                                                             \
    } while (0)

#define CHECK_STREQ(a, b)                                                                  \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        if (!a_ || !b_ || strcmp(a_, b_)) {                                                \
            fprintf(stderr, "%s:%d: CHECK_STREQ failed:\n  got:      %s\n  expected: %s\n", \
                    __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");           \
            vk_test_failures++;                                                            \
        }                                                                                  \
    } while (0)

#define TEST_MAIN_END() return vk_test_failures ? 1 : 0
