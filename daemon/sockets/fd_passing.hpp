#pragma once
// Sending a descriptor over a Unix socket (SCM_RIGHTS): the bind hand-off's answers and the
// holder's PUTs build the same message.
#include <cstddef>
#include <sys/types.h>

namespace rein::daemon {

/// Sends `len` bytes of `data` on `sock` in one sendmsg, with `fd` attached when it is >= 0;
/// `flags` as sendmsg's (MSG_NOSIGNAL is always added). Retries EINTR; returns sendmsg's result.
ssize_t send_with_fd(int sock, const void* data, std::size_t len, int fd, int flags);

} // namespace rein::daemon
