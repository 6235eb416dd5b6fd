"""The facts of gradscope's src/training/model/facts.ts that the monitor needs, in Python: the activation names,
which activations have dead units or saturation counted, the dead-slope threshold and SELU's constants.
test/unit/pytorchMonitor.test.ts checks that they equal facts.ts's, so the two cannot drift apart."""

# facts.ts ACTIVATION_FACTS keys (src/training/spec/types.ts ACTIVATIONS)
ACTIVATIONS = (
    "linear", "relu", "leakyRelu", "prelu", "rrelu", "relu6", "elu", "selu", "gelu", "swish", "mish",
    "softplus", "sigmoid", "hardSigmoid", "tanh", "softmax",
)
# facts.ts `measure: 'dead'` and `measure: 'saturation'`
DEAD_ACTIVATIONS = frozenset({"relu", "relu6", "elu", "selu", "gelu", "swish", "mish", "softplus"})
SATURATING_ACTIVATIONS = frozenset({"sigmoid", "tanh", "hardSigmoid"})
DEAD_SLOPE = 1e-3
SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772
# The layer kinds the monitor writes that facts.ts LAYER_FACTS knows (others are torch class names).
KINDS = ("dense", "conv2d", "batchNormalization", "layerNormalization", "groupNormalization", "rmsNormalization",
         "lstm", "gru", "simpleRNN")
NORM_KINDS = frozenset({"batchNormalization", "layerNormalization", "groupNormalization", "rmsNormalization"})
RECURRENT_KINDS = frozenset({"lstm", "gru", "simpleRNN"})
