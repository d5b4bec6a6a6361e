/*
 * thread_forks.c - a threaded server's shape: a worker thread forks a child for each
 * line on stdin and logs it with getpid(), as servers tag their log lines; the main
 * thread reaps every child. A second thread only sleeps. Prints "ready PID WORKER
 * SLEEPER" (tids) first, "forked N" after each fork and "reaped N status S" after each
 * reaping; exits at end of input once all are reaped.
 *
 * Point: strace -f -p PID, started by hand after the threads exist, shows no clone
 * for them, only their records. The worker's getpid() returns PID: it is PID's thread,
 * and the children it forked are PID's children, reaped by PID. The sleeper shows no
 * such record.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int started;
static pid_t worker_tid, sleeper_tid;
static int forked, done;

static void *sleeper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    sleeper_tid = (pid_t)syscall(SYS_gettid);
    started++;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&lock);
    for (;;)
        pause();
    return NULL;
}

static void *worker(void *arg)
{
    (void)arg;
    char line[64];
    pthread_mutex_lock(&lock);
    worker_tid = (pid_t)syscall(SYS_gettid);
    started++;
    pthread_cond_signal(&ready);
    pthread_mutex_unlock(&lock);
    int code = 0;
    while (fgets(line, sizeof line, stdin)) {
        pid_t child = fork();
        if (child == 0)
            _exit(10 + code);
        code++;
        printf("[%d] forked %d\n", (int)getpid(), (int)child);
        pthread_mutex_lock(&lock);
        forked++;
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    done = 1;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t w, s;
    pthread_create(&s, NULL, sleeper, NULL);
    pthread_create(&w, NULL, worker, NULL);
    pthread_mutex_lock(&lock);
    while (started < 2)
        pthread_cond_wait(&ready, &lock);
    pthread_mutex_unlock(&lock);
    printf("ready %d %d %d\n", (int)getpid(), (int)worker_tid, (int)sleeper_tid);
    int reaped = 0;
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, 0);
        if (p > 0) {
            printf("reaped %d status %d\n", (int)p, WEXITSTATUS(st));
            reaped++;
            continue;
        }
        pthread_mutex_lock(&lock);
        int all = done && reaped == forked;
        pthread_mutex_unlock(&lock);
        if (all)
            return 0;
        usleep(20000); /* no child yet (ECHILD) */
    }
}
