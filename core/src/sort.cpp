#include "parley/sort.hpp"

#include <algorithm>

namespace parley {

void sort_indices(std::vector<std::size_t>& order, index_less less, const void* context) {
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return less(context, a, b); });
}

void partial_sort_indices(std::vector<std::size_t>& order, std::size_t k, index_less less,
                          const void* context) {
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::size_t a, std::size_t b) { return less(context, a, b); });
}

}  // namespace parley
