/* PLACEHOLDER until the compile stage lands. */
#include <stdio.h>
#include "commands.h"
int rp_cmd_run(int argc, char **argv) { (void)argc; (void)argv; fputs("rulepack run: not implemented yet\n", stderr); return 2; }
int rp_cmd_test(int argc, char **argv) { (void)argc; (void)argv; fputs("rulepack test: not implemented yet\n", stderr); return 2; }
