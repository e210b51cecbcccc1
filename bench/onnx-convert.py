#!/usr/bin/python3
"""The nsfwjs TensorFlow.js layers models as ONNX graphs, for
bench/label_ort.sh: the same weights (model.json's uint8 tensors
dequantized as w = q * scale + min, as lib/nn/load.c does) in the same
layers, so ONNX Runtime and winnow run the same network.

    bench/onnx-convert.py MODEL_DIR OUT.onnx

The graph's input "input" is the prepared tensor winnow's engine takes:
float32 NHWC [1, H, W, 3] (a Transpose to NCHW is the graph's first node);
its output "probs" is [1, classes], the last Dense layer's softmax.
BatchNormalization stays a node (ONNX Runtime folds it into the
convolution before it, as winnow does at load), ReLU with max_value is
Clip, ZeroPadding2D is Pad (fused into the convolution by ONNX Runtime).
Uses Debian's python3-onnx (1.12) and numpy only."""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def load_weights(model_dir, manifest):
    """name -> float32 array, dequantized in double then rounded to float
    as lib/nn/load.c does."""
    out = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            q = w.get("quantization")
            dtype = (q or w)["dtype"]
            np_type = {"uint8": np.uint8, "uint16": np.uint16, "float32": np.float32,
                       "int32": np.int32}[dtype]
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            a = np.frombuffer(blob, np_type, count, off).astype(np.float64)
            off += count * np.dtype(np_type).itemsize
            if q:
                a = a * q["scale"] + q["min"]
            out[w["name"]] = a.astype(np.float32).reshape(w["shape"])
    return out


def same_pads(size, k, s):
    """TensorFlow's "same": (before, after), the odd one after."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Graph:
    def __init__(self, weights):
        self.w = weights
        self.nodes, self.inits = [], []
        self.shape = {}  # tensor name -> (h, w, c), NCHW in the graph

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, output, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def activation(self, name, x, act):
        if act in (None, "linear"):
            return x
        if act == "relu":
            return self.node("Relu", [x], name + "/relu")
        if act == "relu6":
            return self.clip(name, x, 6.0)
        if act == "softmax":
            return self.node("Softmax", [x], name + "/softmax", axis=1)
        if act == "sigmoid":
            return self.node("Sigmoid", [x], name + "/sigmoid")
        if act == "tanh":
            return self.node("Tanh", [x], name + "/tanh")
        raise SystemExit("onnx-convert: unsupported activation %s" % act)

    def clip(self, name, x, hi):
        lo = self.const(name + "/min", np.float32(0))
        hi = self.const(name + "/max", np.float32(hi))
        return self.node("Clip", [x, lo, hi], name + "/clip")

    def conv(self, layer, x, depthwise):
        cfg, name = layer["config"], layer["name"]
        h, w, c = self.shape[x]
        kh, kw = cfg["kernel_size"]
        sh, sw = cfg["strides"]
        if cfg.get("dilation_rate", [1, 1]) != [1, 1]:
            raise SystemExit("onnx-convert: %s: dilation is not supported" % name)
        if cfg["padding"] == "same":
            pt, pb = same_pads(h, kh, sh)
            pl, pr = same_pads(w, kw, sw)
        else:
            pt = pb = pl = pr = 0
        if depthwise:
            if cfg.get("depth_multiplier", 1) != 1:
                raise SystemExit("onnx-convert: %s: depth_multiplier != 1" % name)
            k = self.w[name + "/depthwise_kernel"]          # [kh, kw, c, 1]
            kernel, group, cout = k.transpose(2, 3, 0, 1), c, c
        else:
            k = self.w[name + "/kernel"]                    # [kh, kw, cin, cout]
            kernel, group, cout = k.transpose(3, 2, 0, 1), 1, k.shape[3]
        inputs = [x, self.const(name + "/W", np.ascontiguousarray(kernel))]
        if cfg.get("use_bias", True):
            inputs.append(self.const(name + "/B", self.w[name + "/bias"]))
        y = self.node("Conv", inputs, name, kernel_shape=[kh, kw], strides=[sh, sw],
                      pads=[pt, pl, pb, pr], group=group)
        self.shape[y] = ((h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1, cout)
        out = self.activation(name, y, cfg.get("activation"))
        self.shape[out] = self.shape[y]
        return out

    def batchnorm(self, layer, x):
        cfg, name = layer["config"], layer["name"]
        c = self.shape[x][2]
        if cfg.get("axis", -1) not in (-1, 3):
            raise SystemExit("onnx-convert: %s: BatchNormalization on axis %s" % (name, cfg["axis"]))
        gamma = self.w[name + "/gamma"] if cfg.get("scale", True) else np.ones(c, np.float32)
        beta = self.w[name + "/beta"] if cfg.get("center", True) else np.zeros(c, np.float32)
        ins = [x, self.const(name + "/gamma", gamma), self.const(name + "/beta", beta),
               self.const(name + "/mean", self.w[name + "/moving_mean"]),
               self.const(name + "/var", self.w[name + "/moving_variance"])]
        return self.node("BatchNormalization", ins, name, epsilon=float(cfg["epsilon"]))

    def pool(self, layer, x, op):
        cfg, name = layer["config"], layer["name"]
        h, w, c = self.shape[x]
        kh, kw = cfg["pool_size"]
        sh, sw = cfg.get("strides") or cfg["pool_size"]
        if cfg["padding"] == "same":
            pt, pb = same_pads(h, kh, sh)
            pl, pr = same_pads(w, kw, sw)
        else:
            pt = pb = pl = pr = 0
        # TensorFlow's "same" average leaves the padding out (count_include_pad=0)
        y = self.node(op, [x], name, kernel_shape=[kh, kw], strides=[sh, sw],
                      pads=[pt, pl, pb, pr])
        self.shape[y] = ((h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1, c)
        return y

    def layer(self, layer, ins):
        kind, cfg, name = layer["class_name"], layer["config"], layer["name"]
        x = ins[0] if ins else None
        if kind in ("Conv2D", "DepthwiseConv2D"):
            return self.conv(layer, x, kind == "DepthwiseConv2D")
        if kind == "BatchNormalization":
            y = self.batchnorm(layer, x)
        elif kind == "ReLU":
            if cfg.get("negative_slope", 0) or cfg.get("threshold", 0):
                raise SystemExit("onnx-convert: %s: leaky or thresholded ReLU" % name)
            mx = cfg.get("max_value")
            y = self.clip(name, x, float(mx)) if mx is not None else self.node("Relu", [x], name)
        elif kind == "Activation":
            y = self.activation(name, x, cfg["activation"])
        elif kind == "ZeroPadding2D":
            (t, b), (l, r) = cfg["padding"]
            pads = self.const(name + "/pads", np.array([0, 0, t, l, 0, 0, b, r], np.int64))
            y = self.node("Pad", [x, pads], name)
            h, w, c = self.shape[x]
            self.shape[y] = (h + t + b, w + l + r, c)
            return y
        elif kind == "Add":
            y = self.node("Sum", ins, name) if len(ins) > 2 else self.node("Add", ins, name)
        elif kind == "Concatenate":
            if cfg.get("axis", -1) not in (-1, 3):
                raise SystemExit("onnx-convert: %s: Concatenate on axis %s" % (name, cfg["axis"]))
            y = self.node("Concat", ins, name, axis=1)
            h, w, _ = self.shape[ins[0]]
            self.shape[y] = (h, w, sum(self.shape[i][2] for i in ins))
            return y
        elif kind == "MaxPooling2D":
            return self.pool(layer, x, "MaxPool")
        elif kind == "AveragePooling2D":
            return self.pool(layer, x, "AveragePool")
        elif kind == "GlobalAveragePooling2D":
            y = self.node("GlobalAveragePool", [x], name)
            self.shape[y] = (1, 1, self.shape[x][2])
            return y
        elif kind == "Flatten":
            h, w, c = self.shape[x]
            if (h, w) != (1, 1):  # Keras flattens NHWC: channels innermost
                x = self.node("Transpose", [x], name + "/nhwc", perm=[0, 2, 3, 1])
            y = self.node("Flatten", [x], name, axis=1)
            self.shape[y] = (1, 1, h * w * c)
            return y
        elif kind == "Dense":
            y = self.node("Gemm", [x, self.const(name + "/W", self.w[name + "/kernel"]),
                                   self.const(name + "/B", self.w[name + "/bias"])], name)
            self.shape[y] = (1, 1, cfg["units"])
            out = self.activation(name, y, cfg.get("activation"))
            self.shape[out] = self.shape[y]
            return out
        elif kind == "Dropout":
            return x
        else:
            raise SystemExit("onnx-convert: %s: unsupported layer %s" % (name, kind))
        self.shape[y] = self.shape[x]
        return y


def convert(model_dir, out_path):
    spec = json.load(open(os.path.join(model_dir, "model.json")))
    weights = load_weights(model_dir, spec["weightsManifest"])
    topo = spec["modelTopology"]
    cfg = (topo.get("model_config") or topo)["config"]
    g = Graph(weights)
    tensor = {}  # layer name -> its output tensor
    input_shape = None
    for layer in cfg["layers"]:
        if layer["class_name"] == "InputLayer":
            _, h, w, c = layer["config"]["batch_input_shape"]
            input_shape = [1, h, w, c]
            x = g.node("Transpose", ["input"], "input/nchw", perm=[0, 3, 1, 2])
            g.shape[x] = (h, w, c)
            tensor[layer["name"]] = x
            continue
        inbound = layer["inbound_nodes"]
        if len(inbound) != 1:
            raise SystemExit("onnx-convert: %s: a layer used more than once" % layer["name"])
        ins = [tensor[i[0]] for i in inbound[0]]
        tensor[layer["name"]] = g.layer(layer, ins)
    last = tensor[cfg["output_layers"][0][0]]
    classes = g.shape[last][2]
    g.node("Identity", [last], "probs")
    graph = helper.make_graph(
        g.nodes, os.path.basename(os.path.normpath(model_dir)),
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, classes])], g.inits)
    model = helper.make_model(graph, producer_name="winnow bench/onnx-convert.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    print("%s: %d nodes, %d weights, input %s NHWC, output [1, %d]" %
          (out_path, len(g.nodes), sum(int(np.prod(i.dims)) for i in g.inits), input_shape,
           classes))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: bench/onnx-convert.py MODEL_DIR OUT.onnx")
    convert(sys.argv[1], sys.argv[2])
