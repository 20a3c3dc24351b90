// Arithmetic on codi.v1.Usage, the teacher cost of turns and conversations.
#pragma once

#include "codi/v1/conversation.pb.h"

namespace codi {

// Adds `delta` into `total`, field by field (reason maps merged).
void AddUsage(const codi::v1::Usage& delta, codi::v1::Usage* total);

}  // namespace codi
