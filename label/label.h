/* label: its subcommands, one file each. Each parses its own options and
 * returns an exit status. */
#ifndef WINNOW_LABEL_H
#define WINNOW_LABEL_H

#include "base/base.h"
#include "cli/options.h"
#include "catalog/catalog.h"
#include "learn/learn.h"
#include "nn/nn.h"

int cmd_predict(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_suspects(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_export_model(int argc, char **argv);
int cmd_cam(int argc, char **argv);

/* The middle layer whose activations, averaged over the image, label
 * predict keeps beside the embedding (under model "mid:<model>") when the
 * model has it (MobileNetV2: the stride-2 depthwise convolution of block
 * 13, 576 channels at 7x7), and label train cross-validates on by
 * default. Layers this deep are still general; the last ones are nsfwjs'
 * five classes' and tell other classes apart less well. */
#define LABEL_MID_LAYER "block_13_depthwise_relu"
#define LABEL_MID_PREFIX "mid:"

/* label_suspects_opts() : the suspects ranking's choices as given in co
 * (label suspects and review): --top, --pretrained, --map (pointing into
 * co), the model's key and its preparation. */
struct suspects_opts label_suspects_opts(const struct cli_options *co);

#endif
