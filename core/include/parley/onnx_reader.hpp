#pragma once
// A minimal reader of ONNX model files (protobuf wire format): just the parts
// the core's own kernels need, the model's metadata_props and the graph's
// initializers (models/FORMAT.md). It never interprets graph nodes.
//
// The file is untrusted input (a model can be swapped by whoever serves it):
// every length, tag and shape is bounds-checked, and anything malformed or
// truncated throws std::invalid_argument; nothing is ever read outside the
// given bytes. Tensor data is returned as a view into the caller's bytes
// (no copies of big tensors), so the result must not outlive them.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley {

// TensorProto.DataType values the reader can decode from every storage form.
enum class onnx_type : std::int32_t { float32 = 1, int8 = 3, int64 = 7 };

struct onnx_tensor {
    std::string name;
    std::int32_t data_type = 0;       // TensorProto.DataType (see onnx_type)
    std::vector<std::int64_t> dims;   // every dim >= 0
    std::uint64_t element_count = 0;  // product of dims (1 for a scalar)

    // The values as little-endian bytes (4 per float32, 1 per int8, 8 per
    // int64), element_count of them. For those three types the size is
    // checked. For other types only raw_data is exposed, unchecked.
    std::span<const std::uint8_t> data() const {
        return decoded.empty() ? std::span<const std::uint8_t>(raw) : std::span(decoded);
    }

    // A view into the file (raw_data, or one packed float_data run) ...
    std::span<const std::uint8_t> raw;
    // ... or, when the values were stored otherwise (int32_data varints,
    // several float_data runs, int64_data), their little-endian bytes here.
    std::vector<std::uint8_t> decoded;
};

struct onnx_model {
    // metadata_props in file order (keys may repeat; lookups take the last).
    std::vector<std::pair<std::string, std::string>> metadata;
    // The graph's initializers in file order; names are unique.
    std::vector<onnx_tensor> initializers;

    // nullptr when absent.
    const std::string* metadata_value(std::string_view key) const;
    const onnx_tensor* initializer(std::string_view name) const;
};

// Parses a serialized ModelProto. Throws std::invalid_argument (saying what
// and where) for a truncated or malformed file, a tensor whose data does not
// match its shape, duplicate initializer names, or external tensor data.
onnx_model read_onnx_model(std::span<const std::uint8_t> bytes);

}  // namespace parley
