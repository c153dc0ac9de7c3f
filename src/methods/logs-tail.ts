import { Type } from "@sinclair/typebox";
import { compileSchema } from "../protocol/validate.js";
import { Scope } from "../protocol/scopes.js";
import { unavailable } from "../protocol/errors.js";
import { tailLogFile } from "../infra/log-tail.js";
import { logSink } from "../infra/logger.js";
import { defineMethod } from "./registry.js";

const LogsTailParams = compileSchema(
  Type.Object(
    {
      cursor: Type.Optional(Type.Integer({ minimum: 0 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
      maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    },
    { additionalProperties: false },
  ),
);

export const logsTailMethod = defineMethod({
  name: "logs.tail",
  scope: Scope.read,
  params: LogsTailParams,
  async handler({ params, gateway }) {
    try {
      await logSink.drained();
      // Lines were redacted when the logger wrote them; they are served as they are.
      return await tailLogFile(gateway.logFilePath(), {
        cursor: params.cursor,
        limit: params.limit ?? 500,
        maxBytes: params.maxBytes ?? 250_000,
      });
    } catch (err) {
      throw unavailable(`log read failed: ${(err as Error).message}`);
    }
  },
});
