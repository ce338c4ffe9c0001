#include "metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace parley::server {

namespace {

enum metric_type { counter_type = 0, gauge_type = 1, histogram_type = 2 };

constexpr std::string_view type_names[] = {"counter", "gauge", "histogram"};

bool valid_metric_name(std::string_view n) {
    if (n.empty()) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

bool valid_label_name(std::string_view n) {
    if (n.empty() || n.starts_with("__")) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

// Shortest text that reads back as the same double; Prometheus spells the
// specials +Inf, -Inf and NaN.
std::string format_number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // Plain decimals in the usual range ("0.0005", not "5e-04", which is
    // what client libraries print for le labels); exponents beyond it.
    char buf[400];
    const double a = std::fabs(v);
    const auto r = (a == 0 || (a >= 1e-6 && a < 1e15))
                       ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                       : std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::string escape_help(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

metric_labels sorted(metric_labels labels) {
    std::sort(labels.begin(), labels.end());
    return labels;
}

// `{a="x",b="y"}` with `extra` (the histogram's le) appended; "" when empty.
std::string label_text(const metric_labels& labels, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
    if (labels.empty() && extra_name.empty()) return {};
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out += ',';
        first = false;
        out += k;
        out += "=\"";
        out += escape_label_value(v);
        out += '"';
    }
    if (!extra_name.empty()) {
        if (!first) out += ',';
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    out += '}';
    return out;
}

}  // namespace

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::vector<double> default_latency_buckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

histogram_metric::histogram_metric(std::vector<double> bounds) : bounds_(std::move(bounds)) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i] > bounds_[i - 1])))
            throw std::invalid_argument("histogram buckets must be finite and strictly increasing");
    }
    counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
    for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void histogram_metric::observe(double v) {
    if (std::isnan(v)) return;
    // le is inclusive: a value equal to a bound belongs to that bucket.
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
    counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> histogram_metric::cumulative_counts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        total += counts_[i].load(std::memory_order_relaxed);
        out[i] = total;
    }
    return out;
}

std::uint64_t histogram_metric::count() const {
    return cumulative_counts().back();
}

struct metrics_registry::family {
    std::string name;
    std::string help;
    int type = counter_type;
    struct series {
        metric_labels labels;  // sorted
        std::unique_ptr<counter_metric> counter;
        std::unique_ptr<gauge_metric> gauge;
        std::unique_ptr<histogram_metric> histogram;
    };
    std::vector<std::unique_ptr<series>> all;

    series* find(const metric_labels& labels) {
        for (auto& s : all)
            if (s->labels == labels) return s.get();
        return nullptr;
    }
};

metrics_registry::metrics_registry() = default;
metrics_registry::~metrics_registry() = default;

metrics_registry::family& metrics_registry::family_for(std::string_view name, std::string_view help,
                                                       int type) {
    if (!valid_metric_name(name))
        throw std::invalid_argument("invalid metric name: " + std::string(name));
    auto it = families_.find(name);
    if (it == families_.end()) {
        auto f = std::make_unique<family>();
        f->name = std::string(name);
        f->help = std::string(help);
        f->type = type;
        it = families_.emplace(std::string(name), std::move(f)).first;
    } else if (it->second->type != type) {
        throw std::logic_error("metric " + std::string(name) + " already registered as a " +
                               std::string(type_names[it->second->type]));
    }
    return *it->second;
}

namespace {

metric_labels checked_labels(metric_labels labels, bool histogram) {
    labels = sorted(std::move(labels));
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto& name = labels[i].first;
        if (!valid_label_name(name) || (histogram && name == "le"))
            throw std::invalid_argument("invalid label name: " + name);
        if (i > 0 && labels[i - 1].first == name)
            throw std::invalid_argument("duplicate label name: " + name);
    }
    return labels;
}

}  // namespace

counter_metric& metrics_registry::counter(std::string_view name, std::string_view help,
                                          metric_labels labels) {
    labels = checked_labels(std::move(labels), false);
    std::lock_guard lock(mutex_);
    family& f = family_for(name, help, counter_type);
    if (auto* s = f.find(labels)) return *s->counter;
    auto s = std::make_unique<family::series>();
    s->labels = std::move(labels);
    s->counter = std::make_unique<counter_metric>();
    f.all.push_back(std::move(s));
    return *f.all.back()->counter;
}

gauge_metric& metrics_registry::gauge(std::string_view name, std::string_view help,
                                      metric_labels labels) {
    labels = checked_labels(std::move(labels), false);
    std::lock_guard lock(mutex_);
    family& f = family_for(name, help, gauge_type);
    if (auto* s = f.find(labels)) return *s->gauge;
    auto s = std::make_unique<family::series>();
    s->labels = std::move(labels);
    s->gauge = std::make_unique<gauge_metric>();
    f.all.push_back(std::move(s));
    return *f.all.back()->gauge;
}

histogram_metric& metrics_registry::histogram(std::string_view name, std::string_view help,
                                              metric_labels labels, std::vector<double> bounds) {
    labels = checked_labels(std::move(labels), true);
    auto h = std::make_unique<histogram_metric>(std::move(bounds));  // validates bounds
    std::lock_guard lock(mutex_);
    family& f = family_for(name, help, histogram_type);
    if (auto* s = f.find(labels)) {
        if (s->histogram->bounds() != h->bounds())
            throw std::logic_error("histogram " + std::string(name) +
                                   " already registered with other buckets");
        return *s->histogram;
    }
    auto s = std::make_unique<family::series>();
    s->labels = std::move(labels);
    s->histogram = std::move(h);
    f.all.push_back(std::move(s));
    return *f.all.back()->histogram;
}

std::string metrics_registry::render() const {
    std::string out;
    std::lock_guard lock(mutex_);
    for (const auto& [name, f] : families_) {
        out += "# HELP " + name + " " + escape_help(f->help) + "\n";
        out += "# TYPE " + name + " " + std::string(type_names[f->type]) + "\n";
        for (const auto& s : f->all) {
            if (s->counter) {
                out +=
                    name + label_text(s->labels) + " " + format_number(s->counter->value()) + "\n";
            } else if (s->gauge) {
                out += name + label_text(s->labels) + " " + format_number(s->gauge->value()) + "\n";
            } else {
                const auto& h = *s->histogram;
                // Read the buckets once so _count equals the +Inf bucket even
                // while other threads observe.
                const auto cumulative = h.cumulative_counts();
                for (std::size_t i = 0; i < cumulative.size(); ++i) {
                    const std::string le =
                        i < h.bounds().size() ? format_number(h.bounds()[i]) : "+Inf";
                    out += name + "_bucket" + label_text(s->labels, "le", le) + " " +
                           std::to_string(cumulative[i]) + "\n";
                }
                out += name + "_sum" + label_text(s->labels) + " " + format_number(h.sum()) + "\n";
                out += name + "_count" + label_text(s->labels) + " " +
                       std::to_string(cumulative.back()) + "\n";
            }
        }
    }
    return out;
}

}  // namespace parley::server
