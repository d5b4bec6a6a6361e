/*
 * attach_target.c - a process to attach to: two threads that sleep, and a living
 * child that waits for a line on stdin, then exits 4 (main reaps it). After a
 * second line, main forks again: a child that exits 5 at once, reaped too.
 * Prints "ready PID CHILD" first and "reaped N" after each reaping; then sleeps
 * argv[1] seconds (default 60), killed by its test.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void reap(pid_t child)
{
    int st;
    if (waitpid(child, &st, 0) == child)
        printf("reaped %d status %d\n", (int)child, WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    char line[64];
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, sleeper, NULL);
    pthread_create(&t2, NULL, sleeper, NULL);
    pid_t child = fork();
    if (child == 0) {
        fgets(line, sizeof line, stdin);   /* the test's first line */
        _exit(4);
    }
    printf("ready %d %d\n", (int)getpid(), (int)child);
    reap(child);
    fgets(line, sizeof line, stdin);       /* the test's second line */
    pid_t second = fork();
    if (second == 0)
        _exit(5);
    reap(second);
    sleep(seconds);
    return 0;
}
