/* label: its subcommands, one file each. Each parses its own options and
 * returns an exit status. */
#ifndef WINNOW_LABEL_H
#define WINNOW_LABEL_H

#include "base/base.h"
#include "catalog/catalog.h"
#include "learn/learn.h"
#include "nn/nn.h"

int cmd_predict(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_suspects(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_apply(int argc, char **argv);

#endif
