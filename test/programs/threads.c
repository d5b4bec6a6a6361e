/*
 * threads.c - two pthreads, then one forked child.
 *
 * Point: clone(CLONE_THREAD...) makes threads of the SAME process; a tool
 * must group them under this pid and not draw them as child processes.
 * Only the fork() makes a new process (it exits 7 and is reaped by main).
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *arg)
{
    long n = (long)arg, sum = 0;
    for (long i = 0; i < 1000 * n; i++)  /* "a little" work */
        sum += i;
    return (void *)sum;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, work, (void *)1L);   /* thread 1 */
    pthread_create(&t2, NULL, work, (void *)2L);   /* thread 2 */
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);

    pid_t child = fork();                          /* the only new process */
    if (child == 0)
        _exit(7);
    int st;
    waitpid(child, &st, 0);                        /* reap it */
    printf("main %d: threads joined, child %d exited %d\n", (int)getpid(),
           (int)child, WEXITSTATUS(st));
    return 0;
}
