/*
 * fork_in_macro.c - the fork is hidden in a macro; nobody reaps.
 *
 * Point: the source line of the fork reads SPAWN_WORKER(), not fork(): an edit
 * at that line cannot be sure of the call, so no fix may be offered, and the
 * reason must name the macro. Two zombies until main exits after 200 ms.
 */
#include <stdio.h>
#include <unistd.h>

#define SPAWN_WORKER() fork()

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < 2; i++) {
        pid_t pid = SPAWN_WORKER();                /* macro fork site */
        if (pid == 0)
            _exit(0);
    }
    usleep(200 * 1000);         /* BUG (on purpose): no waitpid */
    return 0;
}
