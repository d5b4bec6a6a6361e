/*
 * popen_leak.c - popen() without pclose(): two zombies.
 *
 * Point: popen()'s child is reaped by pclose(). A program that reads the
 * command's output and forgets pclose() leaves one zombie per call; the
 * fix is pclose() at that popen, not a SIGCHLD handler (which would make
 * pclose() fail with ECHILD). Main exits after 300 ms.
 */
#include <stdio.h>
#include <unistd.h>

static void print_date(void)
{
    FILE *f = popen("echo 2026-11-22", "r");      /* popen site */
    char line[64];
    if (f && fgets(line, sizeof line, f))
        fputs(line, stdout);
    /* BUG (on purpose): no pclose(f) */
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    print_date();
    print_date();
    usleep(300 * 1000);
    return 0;
}
