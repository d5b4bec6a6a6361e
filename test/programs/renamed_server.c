/*
 * renamed_server.c - names itself "renamed" with prctl(PR_SET_NAME) at once, as
 * servers that label their processes do, then forks a child that sleeps and sleeps
 * itself, argv[1] seconds each (default 60); killed by its test. Its comm no longer
 * matches the program strace started; its executable still does.
 */
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 60;
    prctl(PR_SET_NAME, "renamed", 0, 0, 0);
    if (fork() == 0) {
        sleep(seconds);
        _exit(0);
    }
    sleep(seconds);
    return 0;
}
