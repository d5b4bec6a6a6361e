/*
 * exec_from_thread.c - a non-leader thread calls execve.
 *
 * Point: execve from a secondary thread kills every other thread, and the
 * exec'ing thread takes over the leader's pid (the thread id disappears).
 * strace prints "+++ superseded by execve in pid TID +++" for the old
 * leader and the execve result under the leader's pid. The process (pid)
 * is the same one, now running /bin/true, which exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *exec_true(void *arg)
{
    (void)arg;
    char *argv[] = { "/bin/true", NULL };
    char *envp[] = { NULL };
    execve("/bin/true", argv, envp);               /* exec from a non-leader */
    perror("execve");
    _exit(127);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("main %d\n", (int)getpid());
    pthread_t t;
    pthread_create(&t, NULL, exec_true, NULL);
    pthread_join(t, NULL);      /* never returns: the exec replaces us */
    return 1;
}
