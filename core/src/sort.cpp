#include "parley/sort.hpp"

#include <algorithm>

namespace parley {

void sort_indices(std::vector<std::size_t>& order, index_less less, const void* context) {
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return less(context, a, b); });
}

}  // namespace parley
