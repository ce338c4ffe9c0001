#include "parley/onnx_reader.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace parley {

namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::invalid_argument("onnx: " + what);
}

enum wire_type : int { varint_wire = 0, fixed64_wire = 1, length_wire = 2, fixed32_wire = 5 };

// One protobuf message's bytes. `base` is where they start in the file, so
// that every error names an absolute byte offset a person can look at.
class wire {
  public:
    wire(std::span<const std::uint8_t> bytes, std::size_t base, const char* message)
        : bytes_(bytes), base_(base), message_(message) {}

    bool done() const { return pos_ == bytes_.size(); }
    std::size_t offset() const { return base_ + pos_; }

    std::uint64_t varint() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ == bytes_.size()) fail_here("truncated varint");
            const std::uint8_t byte = bytes_[pos_++];
            // The tenth byte holds only bit 63: anything more is not a 64-bit varint.
            if (shift == 63 && byte > 1) fail_here("varint longer than 64 bits");
            value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) return value;
        }
        fail_here("varint longer than 10 bytes");
    }

    // Returns the field number; the wire type goes to `type`.
    std::uint32_t tag(int& type) {
        const std::size_t at = pos_;
        const std::uint64_t key = varint();
        const std::uint64_t field = key >> 3;
        type = static_cast<int>(key & 7);
        if (field == 0 || field > 536870911) fail_at(at, "invalid field number");
        if (type != varint_wire && type != fixed64_wire && type != length_wire &&
            type != fixed32_wire)
            fail_at(at, "unsupported wire type " + std::to_string(type));
        return static_cast<std::uint32_t>(field);
    }

    // A length-delimited payload; `start` receives its absolute offset.
    std::span<const std::uint8_t> length_delimited(std::size_t& start) {
        const std::size_t at = pos_;
        const std::uint64_t length = varint();
        if (length > bytes_.size() - pos_)
            fail_at(at, "length " + std::to_string(length) + " runs past the end (" +
                            std::to_string(bytes_.size() - pos_) + " bytes left)");
        start = offset();
        const auto out = bytes_.subspan(pos_, static_cast<std::size_t>(length));
        pos_ += static_cast<std::size_t>(length);
        return out;
    }
    std::span<const std::uint8_t> length_delimited() {
        std::size_t ignored = 0;
        return length_delimited(ignored);
    }

    std::span<const std::uint8_t> fixed(std::size_t size) {
        if (bytes_.size() - pos_ < size) fail_here("truncated fixed-size value");
        const auto out = bytes_.subspan(pos_, size);
        pos_ += size;
        return out;
    }

    void skip(int type) {
        switch (type) {
            case varint_wire:
                varint();
                break;
            case fixed64_wire:
                fixed(8);
                break;
            case length_wire:
                length_delimited();
                break;
            case fixed32_wire:
                fixed(4);
                break;
            default:
                fail_here("unsupported wire type " + std::to_string(type));
        }
    }

    void expect(int type, int wanted, const char* field) const {
        if (type != wanted)
            fail_here(std::string("field ") + field + " has wire type " + std::to_string(type) +
                      ", expected " + std::to_string(wanted));
    }

    [[noreturn]] void fail_here(const std::string& what) const { fail_at(pos_, what); }
    [[noreturn]] void fail_at(std::size_t pos, const std::string& what) const {
        fail(what + " at byte " + std::to_string(base_ + pos) + " (in " + message_ + ")");
    }

  private:
    std::span<const std::uint8_t> bytes_;
    std::size_t base_;
    const char* message_;
    std::size_t pos_ = 0;
};

std::string as_string(std::span<const std::uint8_t> bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Reads a repeated varint field in either encoding: one value (wire type 0)
// or a packed run (wire type 2), as proto3 writers may choose either.
template <typename Push>
void repeated_varints(wire& w, int type, const char* field, Push push) {
    if (type == varint_wire) {
        push(w.varint());
    } else if (type == length_wire) {
        std::size_t start = 0;
        const auto run = w.length_delimited(start);
        wire packed(run, start, field);
        while (!packed.done()) push(packed.varint());
    } else {
        w.expect(type, varint_wire, field);
    }
}

std::size_t element_size(std::int32_t data_type) {
    switch (static_cast<onnx_type>(data_type)) {
        case onnx_type::float32:
            return 4;
        case onnx_type::int8:
            return 1;
        case onnx_type::int64:
            return 8;
    }
    return 0;
}

std::string tensor_label(const onnx_tensor& t) {
    return "initializer '" + t.name + "'";
}

void check_value_count(const onnx_tensor& t, std::uint64_t values, const char* field) {
    if (values != t.element_count)
        fail(tensor_label(t) + ": " + field + " holds " + std::to_string(values) +
             " values, its shape needs " + std::to_string(t.element_count));
}

// TensorProto: dims=1, data_type=2, float_data=4, int32_data=5, int64_data=7,
// name=8, raw_data=9, data_location=14.
onnx_tensor parse_tensor(std::span<const std::uint8_t> bytes, std::size_t base) {
    wire w(bytes, base, "TensorProto");
    onnx_tensor t;
    bool has_raw = false;
    std::vector<std::span<const std::uint8_t>> float_runs;  // each a multiple of 4 bytes
    std::vector<std::uint64_t> int32_values, int64_values;
    std::uint64_t data_location = 0;
    while (!w.done()) {
        int type = 0;
        const std::size_t field_at = w.offset();
        switch (w.tag(type)) {
            case 1:
                repeated_varints(w, type, "TensorProto.dims", [&](std::uint64_t v) {
                    const auto dim = static_cast<std::int64_t>(v);
                    if (dim < 0) fail("negative dimension at byte " + std::to_string(field_at));
                    t.dims.push_back(dim);
                });
                break;
            case 2: {
                w.expect(type, varint_wire, "TensorProto.data_type");
                const auto v = static_cast<std::int64_t>(w.varint());
                if (v < 0 || v > std::numeric_limits<std::int32_t>::max())
                    fail("invalid data_type at byte " + std::to_string(field_at));
                t.data_type = static_cast<std::int32_t>(v);
                break;
            }
            case 4:
                if (type == fixed32_wire) {
                    float_runs.push_back(w.fixed(4));
                } else {
                    w.expect(type, length_wire, "TensorProto.float_data");
                    const auto run = w.length_delimited();
                    if (run.size() % 4 != 0)
                        fail("packed float_data of " + std::to_string(run.size()) +
                             " bytes at byte " + std::to_string(field_at));
                    float_runs.push_back(run);
                }
                break;
            case 5:
                repeated_varints(w, type, "TensorProto.int32_data",
                                 [&](std::uint64_t v) { int32_values.push_back(v); });
                break;
            case 7:
                repeated_varints(w, type, "TensorProto.int64_data",
                                 [&](std::uint64_t v) { int64_values.push_back(v); });
                break;
            case 8:
                w.expect(type, length_wire, "TensorProto.name");
                t.name = as_string(w.length_delimited());
                break;
            case 9:
                w.expect(type, length_wire, "TensorProto.raw_data");
                t.raw = w.length_delimited();
                has_raw = true;
                break;
            case 14:
                w.expect(type, varint_wire, "TensorProto.data_location");
                data_location = w.varint();
                break;
            default:
                w.skip(type);
        }
    }

    t.element_count = 1;
    for (const std::int64_t dim : t.dims) {
        const auto d = static_cast<std::uint64_t>(dim);
        if (d != 0 && t.element_count > std::numeric_limits<std::uint64_t>::max() / d)
            fail(tensor_label(t) + ": shape is too large");
        t.element_count *= d;
    }
    if (data_location == 1) fail(tensor_label(t) + " keeps its data in an external file");

    const std::size_t size = element_size(t.data_type);
    if (size == 0) return t;  // a type we never read: keep raw_data as is
    if (has_raw) {
        if (t.raw.size() % size != 0 || t.raw.size() / size != t.element_count)
            fail(tensor_label(t) + ": raw_data has " + std::to_string(t.raw.size()) +
                 " bytes, its shape needs " + std::to_string(t.element_count) + " x " +
                 std::to_string(size));
        return t;
    }
    switch (static_cast<onnx_type>(t.data_type)) {
        case onnx_type::float32: {
            std::uint64_t bytes_total = 0;
            for (const auto& run : float_runs) bytes_total += run.size();
            check_value_count(t, bytes_total / 4, "float_data");
            if (float_runs.size() == 1) {
                t.raw = float_runs.front();  // the common packed form: still a view
            } else {
                for (const auto& run : float_runs)
                    t.decoded.insert(t.decoded.end(), run.begin(), run.end());
            }
            break;
        }
        case onnx_type::int8:
            check_value_count(t, int32_values.size(), "int32_data");
            t.decoded.reserve(int32_values.size());
            for (const std::uint64_t v : int32_values) {
                // int32 varints carry negative values sign-extended to 64 bits.
                const auto value = static_cast<std::int64_t>(v);
                if (value < -128 || value > 127)
                    fail(tensor_label(t) + ": int32_data value " + std::to_string(value) +
                         " does not fit int8");
                t.decoded.push_back(static_cast<std::uint8_t>(value & 0xff));
            }
            break;
        case onnx_type::int64:
            check_value_count(t, int64_values.size(), "int64_data");
            t.decoded.reserve(int64_values.size() * 8);
            for (const std::uint64_t v : int64_values)
                for (int b = 0; b < 8; ++b)
                    t.decoded.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
            break;
    }
    return t;
}

// StringStringEntryProto: key=1, value=2.
std::pair<std::string, std::string> parse_entry(std::span<const std::uint8_t> bytes,
                                                std::size_t base) {
    wire w(bytes, base, "StringStringEntryProto");
    std::pair<std::string, std::string> entry;
    while (!w.done()) {
        int type = 0;
        const std::uint32_t field = w.tag(type);
        if (field == 1 || field == 2) {
            w.expect(type, length_wire, field == 1 ? "key" : "value");
            (field == 1 ? entry.first : entry.second) = as_string(w.length_delimited());
        } else {
            w.skip(type);
        }
    }
    return entry;
}

// GraphProto: only initializer=5 matters; nodes, inputs and the rest are skipped.
void parse_graph(std::span<const std::uint8_t> bytes, std::size_t base, onnx_model& model) {
    wire w(bytes, base, "GraphProto");
    while (!w.done()) {
        int type = 0;
        if (w.tag(type) == 5) {
            w.expect(type, length_wire, "GraphProto.initializer");
            std::size_t start = 0;
            const auto tensor = w.length_delimited(start);
            model.initializers.push_back(parse_tensor(tensor, start));
        } else {
            w.skip(type);
        }
    }
}

}  // namespace

const std::string* onnx_model::metadata_value(std::string_view key) const {
    for (auto it = metadata.rbegin(); it != metadata.rend(); ++it)
        if (it->first == key) return &it->second;
    return nullptr;
}

const onnx_tensor* onnx_model::initializer(std::string_view name) const {
    for (const auto& t : initializers)
        if (t.name == name) return &t;
    return nullptr;
}

onnx_model read_onnx_model(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) fail("empty file");
    onnx_model model;
    wire w(bytes, 0, "ModelProto");
    // ModelProto: graph=7, metadata_props=14. A message field that appears
    // twice is merged by protobuf, which for these repeated contents means
    // appending: so every occurrence is read.
    while (!w.done()) {
        int type = 0;
        const std::uint32_t field = w.tag(type);
        if (field == 7 || field == 14) {
            w.expect(type, length_wire,
                     field == 7 ? "ModelProto.graph" : "ModelProto.metadata_props");
            std::size_t start = 0;
            const auto payload = w.length_delimited(start);
            if (field == 7)
                parse_graph(payload, start, model);
            else
                model.metadata.push_back(parse_entry(payload, start));
        } else {
            w.skip(type);
        }
    }
    // Sorting names (rather than comparing pairs) keeps a hostile file with
    // very many initializers from costing quadratic time.
    std::vector<std::string_view> names;
    names.reserve(model.initializers.size());
    for (const auto& t : model.initializers) names.push_back(t.name);
    std::sort(names.begin(), names.end());
    const auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup != names.end()) fail("duplicate initializer '" + std::string(*dup) + "'");
    return model;
}

}  // namespace parley
