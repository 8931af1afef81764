#include "daemon/control/handlers/handler.hpp"

#include <algorithm>

namespace rein::daemon::handlers {

// list {fields?}: every instance's row, ordered by id, with PM2's keys beside rein's (jlist).
// The process a reload is starting, or stopping, for an instance is part of that instance's
// row. `fields` keeps only those top-level keys (the table of `rein ls` needs ten of them).
// The rows are written as text straight into the reply: no JSON tree per request.
void list(Context& ctx, const nlohmann::json& req, const Responder& reply) {
    std::vector<std::string> fields;
    if (auto f = req.find("fields"); f != req.end()) {
        fields = f->get<std::vector<std::string>>();
        const auto& known = list_row_keys();
        for (const auto& name : fields)
            if (std::find(known.begin(), known.end(), name) == known.end())
                return reply.fail(protocol::code::bad_request,
                                  "list: unknown field '" + name + "'");
        if (fields.empty())
            return reply.fail(protocol::code::bad_request, "list: fields must name at least one");
    }
    TextSink sink(std::move(fields));
    std::string text = "{\"rows\":[";
    bool first = true;
    for (auto& [id, inst] : ctx.registry.instances()) {
        if (is_shadow(inst)) continue;
        if (!first) text += ',';
        first = false;
        RowSample sample = write_instance_row(sink, ctx, inst);
        write_pm2_fields(sink, ctx, inst, sample);
        sink.finish_row(text);
    }
    text += "]}";
    reply.ok_text(text);
}

} // namespace rein::daemon::handlers
