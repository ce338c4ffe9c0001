#pragma once
// std::sort through one instantiation for the whole core. Each std::sort of
// its own element type and comparator was ~1.7 kB of wasm code (six of them:
// ~10 kB); sort_with() sorts an index array instead and moves the elements
// once. std::sort decides only by comparisons, and it compares the same
// elements in the same order here, so the result is the same, ties included,
// as long as the element type is trivially copyable like the indices
// (libc++ picks its insertion-sort cut-off by that) or the comparator is a
// total order.
#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace parley {

using index_less = bool (*)(const void* context, std::size_t a, std::size_t b);

// std::sort(order.begin(), order.end(), [&](a, b) { return less(context, a, b); }).
void sort_indices(std::vector<std::size_t>& order, index_less less, const void* context);

// std::sort(v.begin(), v.end(), less), the same result (see above). In the
// wasm build it allocates the index array and a copy; native builds, where
// code size does not matter, call std::sort directly (libstdc++'s sort does
// not depend on the element type either, so both give the same order).
template <class T, class Less>
void sort_with(std::vector<T>& v, const Less& less) {
#ifndef __EMSCRIPTEN__
    std::sort(v.begin(), v.end(), less);
#else
    if (v.size() < 2) return;
    std::vector<std::size_t> order(v.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    struct context {
        const std::vector<T>& v;
        const Less& less;
    } c{v, less};
    const index_less compare = [](const void* p, std::size_t a, std::size_t b) {
        const auto& x = *static_cast<const context*>(p);
        return static_cast<bool>(x.less(x.v[a], x.v[b]));
    };
    sort_indices(order, compare, &c);
    std::vector<T> sorted;
    sorted.reserve(v.size());
    for (const std::size_t i : order) sorted.push_back(std::move(v[i]));
    v = std::move(sorted);
#endif
}

}  // namespace parley
