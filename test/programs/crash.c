/*
 * crash.c - a child killed by SIGSEGV, reaped by its parent.
 *
 * The child raises RLIMIT_CORE so the kernel may dump core (strace then
 * prints "+++ killed by SIGSEGV (core dumped) +++"), moves to /tmp so a
 * core_pattern of plain "core" does not litter the caller's directory,
 * and dereferences NULL. The parent reaps it and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid = fork();                            /* the child that crashes */
    if (pid == 0) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_CORE, &rl) == 0) {
            rl.rlim_cur = rl.rlim_max;  /* as much core as we are allowed */
            setrlimit(RLIMIT_CORE, &rl);
        }
        if (chdir("/tmp") != 0)
            perror("chdir /tmp");
        volatile int *null = NULL;
        *null = 42;                                /* SIGSEGV */
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);                          /* reap the crashed child */
    printf("child %d: signal %d%s\n", (int)pid, WIFSIGNALED(st) ? WTERMSIG(st) : 0,
           WCOREDUMP(st) ? " (core dumped)" : "");
    return 0;
}
