// Job specs for unit tests, built in code. Defaults are not applied.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "codi/v1/job.pb.h"

namespace codi::testing {

// Appends the link `name` writing turns of `role`, with transitions to the
// `next` links (name, weight) in that order.
codi::v1::Link* AddLink(codi::v1::JobSpec* spec, const std::string& name, const std::string& role,
                        const std::vector<std::pair<std::string, double>>& next);

// The job `name`: "ask" (USER) and "answer" (AGENT) taking turns, starting at
// ask, `length` turns long.
codi::v1::JobSpec AskAnswerJob(const std::string& name, uint32_t length);

}  // namespace codi::testing
