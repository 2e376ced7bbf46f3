/* ws_test.h - the few lines every CUnit program here shares. */
#ifndef WS_TEST_H
#define WS_TEST_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct ws_test_case {
    const char *name;
    CU_TestFunc fn;
} ws_test_case;

/* Registers one suite made of the NULL-terminated cases. */
static inline void ws_test_suite(const char *name, const ws_test_case *cases)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    if (!s) {
        fprintf(stderr, "CU_add_suite: %s\n", CU_get_error_msg());
        exit(2);
    }
    for (; cases->name; cases++)
        if (!CU_add_test(s, cases->name, cases->fn)) {
            fprintf(stderr, "CU_add_test: %s\n", CU_get_error_msg());
            exit(2);
        }
}

/* Runs all registered suites; the exit status is non-zero on any failure. */
static inline int ws_test_run(void)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return (failed || run == 0) ? 1 : 0;
}

#define WS_TEST_INIT()                                                         \
    do {                                                                       \
        if (CU_initialize_registry() != CUE_SUCCESS) {                         \
            fprintf(stderr, "CU_initialize_registry failed\n");                \
            return 2;                                                          \
        }                                                                      \
    } while (0)

#endif
