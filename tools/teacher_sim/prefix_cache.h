// Prefix-cache accounting in the manner of vLLM's automatic prefix caching.
//
// A prompt's tokens are cut into blocks of `block_tokens`; only full blocks
// are cached. Block i is keyed by a chained hash H(key of block i-1, tokens of
// block i), so a block hits only when the whole prefix before it matches. The
// cache holds at most `capacity_blocks` keys and evicts the least recently
// used. As in vLLM, a prompt is never reported as entirely cached: when every
// block hits and the prompt ends on a block boundary, the last block counts as
// recomputed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "common/base/mutex.h"

namespace codi {

// Thread-safe.
class PrefixCache {
 public:
  // `capacity_blocks` 0 disables caching (every lookup reports 0).
  PrefixCache(size_t block_tokens, size_t capacity_blocks);

  PrefixCache(const PrefixCache&) = delete;
  PrefixCache& operator=(const PrefixCache&) = delete;

  // Returns how many leading tokens of `token_ids` were served from the cache,
  // then inserts (or refreshes) every full block of the prompt.
  size_t LookupAndInsert(absl::Span<const uint64_t> token_ids);

  // Number of blocks held now.
  size_t size() const;

 private:
  const size_t block_tokens_;
  const size_t capacity_blocks_;
  mutable Mutex mu_;
  // Most recently used at the front.
  std::list<uint64_t> lru_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::list<uint64_t>::iterator> index_ ABSL_GUARDED_BY(mu_);
};

}  // namespace codi
