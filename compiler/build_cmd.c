/* PLACEHOLDER until the compile stage lands. */
#include <stdio.h>
#include "commands.h"
int rp_cmd_build(int argc, char **argv) { (void)argc; (void)argv; fputs("rulepack build: not implemented yet\n", stderr); return 2; }
