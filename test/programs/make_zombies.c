/*
 * make_zombies.c - forks N children (argv[1], default 3) that exit at once, and
 * never waits for them; then sleeps argv[2] seconds (default 60) holding N zombies.
 *
 * Point: ground truth for a /proc scan of zombies (`forktrace zombies`) and for an
 * attach that finds zombies already there. Prints "holding N zombies: PID PID ..."
 * once every child has exited. Each SIGUSR1 makes it reap the oldest one left
 * (it prints "reaped PID"): a zombie gone between two looks at /proc.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t reap_one;

static void on_usr1(int sig)
{
    (void)sig;
    reap_one = 1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    int seconds = argc > 2 ? atoi(argv[2]) : 60;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t *pids = calloc(n > 0 ? n : 1, sizeof *pids);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();                           /* the only fork site */
        if (pids[i] == 0)
            _exit(0);
    }
    /* The children are zombies once they have exited: wait for that without reaping. */
    for (int i = 0; i < n; i++) {
        char path[64], state = 0;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pids[i]);
        for (;;) {
            FILE *f = fopen(path, "r");
            if (f) {
                char buf[512];
                size_t len = fread(buf, 1, sizeof buf - 1, f);
                fclose(f);
                buf[len] = 0;
                char *close = strrchr(buf, ')');
                state = close ? close[2] : 0;
            }
            if (state == 'Z')
                break;
            usleep(1000);
        }
    }
    printf("holding %d zombies:", n);
    for (int i = 0; i < n; i++)
        printf(" %d", (int)pids[i]);
    printf("\n");
    signal(SIGUSR1, on_usr1);
    time_t end = time(NULL) + seconds;
    int next = 0;
    while (time(NULL) < end) {
        sleep(1);                                   /* cut short by SIGUSR1 */
        if (reap_one && next < n) {
            reap_one = 0;
            if (waitpid(pids[next], NULL, 0) == pids[next])
                printf("reaped %d\n", (int)pids[next]);
            next++;
        }
    }
    return 0;
}
