/* commands.h: the subcommands of build/rulepack (main.c dispatches). Each takes its own argv
 * (argv[0] is the command name) and returns the exit status: 0 clean, 1 errors, 2 usage/I/O. */
#ifndef RP_COMMANDS_H
#define RP_COMMANDS_H

int rp_cmd_check(int argc, char **argv);
int rp_cmd_build(int argc, char **argv); /* build_cmd.c */
int rp_cmd_run(int argc, char **argv);   /* run_cmd.c */
int rp_cmd_test(int argc, char **argv);  /* run_cmd.c */

#endif
