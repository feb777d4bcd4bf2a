/* printenv for the real node's images (Debian's busybox-static has no printenv applet):
 * no argument prints the whole environment; otherwise the value of each name, and exit
 * status 1 if one is unset (as coreutils' printenv). */
#include <stdio.h>
#include <stdlib.h>
extern char **environ;
int main(int argc, char **argv) {
  if (argc < 2) {
    for (char **e = environ; *e; e++) puts(*e);
    return 0;
  }
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    const char *v = getenv(argv[i]);
    if (v) puts(v); else rc = 1;
  }
  return rc;
}
