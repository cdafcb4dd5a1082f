/*
** style.c — the families table (which operator gets which colour), the
** input slot names of common operators, and which attribute values are too
** ordinary to print in a box.
**
** Colours follow Netron's palette where it has one (layers blue, activations
** red, pooling green, shape ops brown) so the pictures read the same.
*/
#include "viz/style.h"
#include "model/ir.h"

#include <string.h>

static const lp_family_style styles[LP_FAM_COUNT] = {
    [LP_FAM_CONV] = {"convolution / dense", "#335588", "#335588"},
    [LP_FAM_POOL] = {"pooling", "#2f6b3f", "#2f6b3f"},
    [LP_FAM_ACT] = {"activation", "#8c2f25", "#8c2f25"},
    [LP_FAM_NORM] = {"normalisation", "#5b4a8b", "#5b4a8b"},
    [LP_FAM_TENSOR] = {"shape and tensor", "#6c4f47", "#6c4f47"},
    [LP_FAM_MATH] = {"math and logic", "#3c6e78", "#3c6e78"},
    [LP_FAM_CONTROL] = {"control flow", "#a35f00", "#a35f00"},
    [LP_FAM_QUANT] = {"quantization", "#7a6a1c", "#7a6a1c"},
    [LP_FAM_ML] = {"ai.onnx.ml", "#8a2d6b", "#8a2d6b"},
    [LP_FAM_OTHER] = {"other", "#555555", "#555555"},
};

const lp_family_style *lp_family_style_of(lp_family f) {
    return &styles[(unsigned)f < LP_FAM_COUNT ? f : LP_FAM_OTHER];
}

typedef struct op_family {
    const char *op;
    lp_family family;
} op_family;

/* ai.onnx operators (and com.microsoft contrib ops that keep ai.onnx names). */
static const op_family families[] = {
    {"Conv", LP_FAM_CONV}, {"ConvTranspose", LP_FAM_CONV}, {"DeformConv", LP_FAM_CONV},
    {"Gemm", LP_FAM_CONV}, {"MatMul", LP_FAM_CONV}, {"Einsum", LP_FAM_CONV},
    {"LSTM", LP_FAM_CONV}, {"GRU", LP_FAM_CONV}, {"RNN", LP_FAM_CONV}, {"Attention", LP_FAM_CONV},
    {"MultiHeadAttention", LP_FAM_CONV}, {"FusedConv", LP_FAM_CONV}, {"FusedMatMul", LP_FAM_CONV},
    {"FusedGemm", LP_FAM_CONV}, {"RotaryEmbedding", LP_FAM_CONV},

    {"MaxPool", LP_FAM_POOL}, {"AveragePool", LP_FAM_POOL}, {"GlobalAveragePool", LP_FAM_POOL},
    {"GlobalMaxPool", LP_FAM_POOL}, {"LpPool", LP_FAM_POOL}, {"GlobalLpPool", LP_FAM_POOL},
    {"MaxRoiPool", LP_FAM_POOL}, {"RoiAlign", LP_FAM_POOL}, {"MaxUnpool", LP_FAM_POOL},

    {"Relu", LP_FAM_ACT}, {"LeakyRelu", LP_FAM_ACT}, {"PRelu", LP_FAM_ACT}, {"Sigmoid", LP_FAM_ACT},
    {"Tanh", LP_FAM_ACT}, {"Elu", LP_FAM_ACT}, {"Selu", LP_FAM_ACT}, {"Celu", LP_FAM_ACT},
    {"Gelu", LP_FAM_ACT}, {"FastGelu", LP_FAM_ACT}, {"BiasGelu", LP_FAM_ACT},
    {"HardSigmoid", LP_FAM_ACT}, {"HardSwish", LP_FAM_ACT}, {"Softplus", LP_FAM_ACT},
    {"Softsign", LP_FAM_ACT}, {"Softmax", LP_FAM_ACT}, {"LogSoftmax", LP_FAM_ACT},
    {"Hardmax", LP_FAM_ACT}, {"ThresholdedRelu", LP_FAM_ACT}, {"Mish", LP_FAM_ACT},
    {"Clip", LP_FAM_ACT}, {"Swish", LP_FAM_ACT}, {"QuickGelu", LP_FAM_ACT},

    {"BatchNormalization", LP_FAM_NORM}, {"InstanceNormalization", LP_FAM_NORM},
    {"LayerNormalization", LP_FAM_NORM}, {"GroupNormalization", LP_FAM_NORM},
    {"SimplifiedLayerNormalization", LP_FAM_NORM}, {"SkipLayerNormalization", LP_FAM_NORM},
    {"RMSNormalization", LP_FAM_NORM}, {"LRN", LP_FAM_NORM}, {"LpNormalization", LP_FAM_NORM},
    {"MeanVarianceNormalization", LP_FAM_NORM}, {"Dropout", LP_FAM_NORM},

    {"Reshape", LP_FAM_TENSOR}, {"Flatten", LP_FAM_TENSOR}, {"Squeeze", LP_FAM_TENSOR},
    {"Unsqueeze", LP_FAM_TENSOR}, {"Transpose", LP_FAM_TENSOR}, {"Concat", LP_FAM_TENSOR},
    {"Split", LP_FAM_TENSOR}, {"Slice", LP_FAM_TENSOR}, {"Gather", LP_FAM_TENSOR},
    {"GatherElements", LP_FAM_TENSOR}, {"GatherND", LP_FAM_TENSOR}, {"Scatter", LP_FAM_TENSOR},
    {"ScatterElements", LP_FAM_TENSOR}, {"ScatterND", LP_FAM_TENSOR}, {"Shape", LP_FAM_TENSOR},
    {"Size", LP_FAM_TENSOR}, {"Expand", LP_FAM_TENSOR}, {"Tile", LP_FAM_TENSOR},
    {"Pad", LP_FAM_TENSOR}, {"Identity", LP_FAM_TENSOR}, {"Cast", LP_FAM_TENSOR},
    {"CastLike", LP_FAM_TENSOR}, {"Constant", LP_FAM_TENSOR}, {"ConstantOfShape", LP_FAM_TENSOR},
    {"Range", LP_FAM_TENSOR}, {"DepthToSpace", LP_FAM_TENSOR}, {"SpaceToDepth", LP_FAM_TENSOR},
    {"Resize", LP_FAM_TENSOR}, {"Upsample", LP_FAM_TENSOR}, {"Compress", LP_FAM_TENSOR},
    {"NonZero", LP_FAM_TENSOR}, {"OneHot", LP_FAM_TENSOR}, {"EyeLike", LP_FAM_TENSOR},
    {"Trilu", LP_FAM_TENSOR}, {"ReverseSequence", LP_FAM_TENSOR}, {"Unique", LP_FAM_TENSOR},
    {"GridSample", LP_FAM_TENSOR}, {"Col2Im", LP_FAM_TENSOR}, {"CenterCropPad", LP_FAM_TENSOR},
    {"SplitToSequence", LP_FAM_TENSOR}, {"ConcatFromSequence", LP_FAM_TENSOR},
    {"SequenceAt", LP_FAM_TENSOR}, {"SequenceConstruct", LP_FAM_TENSOR},
    {"SequenceEmpty", LP_FAM_TENSOR}, {"SequenceErase", LP_FAM_TENSOR},
    {"SequenceInsert", LP_FAM_TENSOR}, {"SequenceLength", LP_FAM_TENSOR},
    {"Optional", LP_FAM_TENSOR}, {"OptionalGetElement", LP_FAM_TENSOR},
    {"OptionalHasElement", LP_FAM_TENSOR}, {"StringConcat", LP_FAM_TENSOR},
    {"StringSplit", LP_FAM_TENSOR}, {"StringNormalizer", LP_FAM_TENSOR},
    {"RegexFullMatch", LP_FAM_TENSOR}, {"TfIdfVectorizer", LP_FAM_TENSOR},
    {"NonMaxSuppression", LP_FAM_TENSOR}, {"TopK", LP_FAM_TENSOR},

    {"If", LP_FAM_CONTROL}, {"Loop", LP_FAM_CONTROL}, {"Scan", LP_FAM_CONTROL},
    {"SequenceMap", LP_FAM_CONTROL},

    {"QuantizeLinear", LP_FAM_QUANT}, {"DequantizeLinear", LP_FAM_QUANT},
    {"DynamicQuantizeLinear", LP_FAM_QUANT}, {"QLinearConv", LP_FAM_QUANT},
    {"QLinearMatMul", LP_FAM_QUANT}, {"ConvInteger", LP_FAM_QUANT},
    {"MatMulInteger", LP_FAM_QUANT}, {"DynamicQuantizeMatMul", LP_FAM_QUANT},
    {"MatMulNBits", LP_FAM_QUANT}, {"QLinearAdd", LP_FAM_QUANT}, {"QLinearMul", LP_FAM_QUANT},
    {"QLinearSigmoid", LP_FAM_QUANT}, {"QLinearLeakyRelu", LP_FAM_QUANT},
    {"QLinearConcat", LP_FAM_QUANT}, {"QLinearGlobalAveragePool", LP_FAM_QUANT},
    {"QLinearAveragePool", LP_FAM_QUANT}, {"QGemm", LP_FAM_QUANT}, {"QAttention", LP_FAM_QUANT},
};

/* Elementwise math, logic and reductions: the rest of ai.onnx. */
static const char *const math_ops[] = {
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Abs", "Neg", "Reciprocal", "Floor",
    "Ceil", "Round", "Sign", "Min", "Max", "Mean", "Sum", "Mod", "Erf", "Equal", "Less",
    "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Not", "Xor", "Where", "ArgMax",
    "ArgMin", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
    "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "CumSum", "Cos", "Sin",
    "Tan", "Acos", "Asin", "Atan", "Cosh", "Sinh", "Acosh", "Asinh", "Atanh", "IsNaN",
    "IsInf", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot", "Det",
    "BlackmanWindow", "HammingWindow", "HannWindow", "DFT", "STFT", "MelWeightMatrix",
    "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
    "Bernoulli", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "AffineGrid",
    "ImageDecoder",
};

lp_family lp_family_of(const char *domain, const char *op_type) {
    if (!strcmp(domain, "ai.onnx.ml")) return LP_FAM_ML;
    for (size_t i = 0; i < LP_COUNT(families); i++)
        if (!strcmp(families[i].op, op_type)) return families[i].family;
    bool standard = !*domain || !strcmp(domain, "ai.onnx") || !strcmp(domain, "com.microsoft");
    if (standard)
        for (size_t i = 0; i < LP_COUNT(math_ops); i++)
            if (!strcmp(math_ops[i], op_type)) return LP_FAM_MATH;
    if (!strncmp(op_type, "QLinear", 7) || !strncmp(op_type, "Quantize", 8) ||
        !strncmp(op_type, "Dequantize", 10))
        return LP_FAM_QUANT;
    return LP_FAM_OTHER;
}

/* Input slot names from the operator schemas (Operators.md), for the
** operators whose inputs are often initializers. Comma-separated. */
typedef struct op_slots {
    const char *op, *slots;
} op_slots;

static const op_slots slot_table[] = {
    {"Conv", "X,W,B"},
    {"ConvTranspose", "X,W,B"},
    {"DeformConv", "X,W,offset,B,mask"},
    {"ConvInteger", "x,w,x_zero_point,w_zero_point"},
    {"QLinearConv", "x,x_scale,x_zero_point,w,w_scale,w_zero_point,y_scale,y_zero_point,B"},
    {"Gemm", "A,B,C"},
    {"MatMul", "A,B"},
    {"MatMulInteger", "A,B,a_zero_point,b_zero_point"},
    {"QLinearMatMul", "a,a_scale,a_zero_point,b,b_scale,b_zero_point,y_scale,y_zero_point"},
    {"BatchNormalization", "X,scale,B,mean,var"},
    {"InstanceNormalization", "input,scale,B"},
    {"LayerNormalization", "X,scale,B"},
    {"GroupNormalization", "X,scale,bias"},
    {"SkipLayerNormalization", "input,skip,gamma,beta,bias"},
    {"PRelu", "X,slope"},
    {"Pow", "X,Y"},
    {"Add", "A,B"}, {"Sub", "A,B"}, {"Mul", "A,B"}, {"Div", "A,B"}, {"Mod", "A,B"},
    {"Equal", "A,B"}, {"Less", "A,B"}, {"Greater", "A,B"}, {"LessOrEqual", "A,B"},
    {"GreaterOrEqual", "A,B"}, {"And", "A,B"}, {"Or", "A,B"}, {"Xor", "A,B"},
    {"Reshape", "data,shape"},
    {"Expand", "input,shape"},
    {"Tile", "input,repeats"},
    {"Slice", "data,starts,ends,axes,steps"},
    {"Pad", "data,pads,constant_value,axes"},
    {"Resize", "X,roi,scales,sizes"},
    {"Upsample", "X,scales"},
    {"Gather", "data,indices"}, {"GatherElements", "data,indices"}, {"GatherND", "data,indices"},
    {"Scatter", "data,indices,updates"}, {"ScatterElements", "data,indices,updates"},
    {"ScatterND", "data,indices,updates"},
    {"Squeeze", "data,axes"}, {"Unsqueeze", "data,axes"},
    {"Split", "input,split"},
    {"Clip", "input,min,max"},
    {"Where", "condition,X,Y"},
    {"LSTM", "X,W,R,B,sequence_lens,initial_h,initial_c,P"},
    {"GRU", "X,W,R,B,sequence_lens,initial_h"},
    {"RNN", "X,W,R,B,sequence_lens,initial_h"},
    {"QuantizeLinear", "x,y_scale,y_zero_point"},
    {"DequantizeLinear", "x,x_scale,x_zero_point"},
    {"ReduceSum", "data,axes"}, {"ReduceMean", "data,axes"}, {"ReduceMax", "data,axes"},
    {"ReduceMin", "data,axes"}, {"ReduceProd", "data,axes"}, {"ReduceL2", "data,axes"},
    {"ReduceL1", "data,axes"}, {"ReduceSumSquare", "data,axes"}, {"ReduceLogSumExp", "data,axes"},
    {"TopK", "X,K"},
    {"ConstantOfShape", "input"},
    {"Range", "start,limit,delta"},
    {"OneHot", "indices,depth,values"},
    {"Trilu", "input,k"},
    {"CumSum", "x,axis"},
    {"NonMaxSuppression", "boxes,scores,max_output_boxes_per_class,iou_threshold,score_threshold"},
    {"RoiAlign", "X,rois,batch_indices"},
    {"Attention", "input,weights,bias,mask_index,past"},
    {"If", "cond"},
    {"Loop", "M,cond"},
    {"Einsum", ""},
};

const char *lp_input_slot_name(const char *domain, const char *op_type, int slot, char *name,
                               size_t size) {
    if (*domain && strcmp(domain, "ai.onnx") && strcmp(domain, "com.microsoft")) return NULL;
    for (size_t i = 0; i < LP_COUNT(slot_table); i++) {
        if (strcmp(slot_table[i].op, op_type)) continue;
        const char *p = slot_table[i].slots;
        for (int k = 0; *p; k++) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (k == slot) {
                if (len == 0 || len >= size) return NULL;
                memcpy(name, p, len);
                name[len] = 0;
                return name;
            }
            if (!end) break;
            p = end + 1;
        }
        return NULL;
    }
    return NULL;
}

static bool ints_all(const lp_attr *a, int64_t v) {
    if (a->type != LP_ATTR_INTS) return false;
    for (int i = 0; i < a->n; i++)
        if (a->ints[i] != v) return false;
    return true;
}

int lp_attr_is_trivial(const char *op_type, const lp_attr *a) {
    const char *n = a->name;
    if (!strcmp(n, "strides") || !strcmp(n, "dilations")) return ints_all(a, 1);
    if (!strcmp(n, "pads")) return ints_all(a, 0);
    if (!strcmp(n, "group")) return a->type == LP_ATTR_INT && a->i == 1;
    if (!strcmp(n, "auto_pad")) return a->type == LP_ATTR_STRING && !strcmp(a->s, "NOTSET");
    if (!strcmp(n, "ceil_mode") || !strcmp(n, "count_include_pad") || !strcmp(n, "transA") ||
        !strcmp(n, "transB"))
        return a->type == LP_ATTR_INT && a->i == 0;
    if (!strcmp(op_type, "Gemm") && (!strcmp(n, "alpha") || !strcmp(n, "beta")))
        return a->type == LP_ATTR_FLOAT && a->f == 1.0f;
    if (!strcmp(op_type, "BatchNormalization") && !strcmp(n, "momentum")) return 1;
    return 0;
}
