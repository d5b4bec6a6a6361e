/*
 * handler_and_system.c - a SIGCHLD handler that reaps one child per signal,
 * in a program that also calls system().
 *
 * Point: both the handler's waitpid and system() make wait4 calls, so the
 * program has two call sites that can wait. The handler's wait4(-1, ...,
 * WNOHANG) can only be its waitpid (system() waits for its own child's pid,
 * blocking), so the default mode still names the handler's line.
 * Three children exit while SIGCHLD is blocked: one signal, one reaped, two
 * zombies until main exits after 300 ms.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_sigchld(int sig)
{
    (void)sig;
    int st;
    waitpid(-1, &st, WNOHANG);                     /* handler wait: once per signal */
}

int main(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);

    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);           /* system() reaps its own child */
    if (system("true") != 0)                       /* system site */
        return 1;
    for (int i = 0; i < 3; i++)
        if (fork() == 0)
            _exit(0);
    usleep(100 * 1000);                            /* all three have exited */
    sigprocmask(SIG_SETMASK, &old, NULL);          /* one SIGCHLD for three exits */
    usleep(200 * 1000);
    return 0;
}
