#include "tools/teacher_sim/prefix_cache.h"

#include <algorithm>
#include <vector>

#include "common/base/stable_hash.h"

namespace codi {

PrefixCache::PrefixCache(size_t block_tokens, size_t capacity_blocks)
    : block_tokens_(std::max<size_t>(block_tokens, 1)), capacity_blocks_(capacity_blocks) {}

size_t PrefixCache::LookupAndInsert(absl::Span<const uint64_t> token_ids) {
  if (capacity_blocks_ == 0) return 0;
  const size_t full_blocks = token_ids.size() / block_tokens_;
  // Chained block keys are computed outside the lock.
  std::vector<uint64_t> keys;
  keys.reserve(full_blocks);
  uint64_t prev = 0x5eed;
  for (size_t b = 0; b < full_blocks; ++b) {
    uint64_t h = prev;
    for (size_t i = b * block_tokens_; i < (b + 1) * block_tokens_; ++i) {
      h = HashCombine(h, token_ids[i]);
    }
    keys.push_back(h);
    prev = h;
  }

  MutexLock lock(&mu_);
  size_t hit_blocks = 0;
  while (hit_blocks < keys.size() && index_.contains(keys[hit_blocks])) ++hit_blocks;
  for (uint64_t key : keys) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      continue;
    }
    lru_.push_front(key);
    index_[key] = lru_.begin();
    if (lru_.size() > capacity_blocks_) {
      index_.erase(lru_.back());
      lru_.pop_back();
    }
  }
  size_t cached = hit_blocks * block_tokens_;
  if (cached > 0 && cached == token_ids.size()) cached -= block_tokens_;
  return cached;
}

size_t PrefixCache::size() const {
  MutexLock lock(&mu_);
  return lru_.size();
}

}  // namespace codi
