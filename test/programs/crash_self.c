/*
 * crash_self.c - the traced program itself is killed by SIGSEGV, with a core.
 *
 * It raises RLIMIT_CORE to its hard limit, moves into DIR (so a core_pattern of
 * plain "core" leaves the dump where the caller can check and remove it), prints
 * its pid and dereferences NULL.
 *
 * Usage: crash_self DIR
 */
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct rlimit rl;
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    if (getrlimit(RLIMIT_CORE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_CORE, &rl);
    }
    if (chdir(argv[1]) != 0) {
        perror("chdir");
        return 2;
    }
    printf("crashing pid %d\n", (int)getpid());
    fflush(stdout);
    volatile int *null = NULL;
    *null = 42;                                  /* SIGSEGV */
    return 0;
}
