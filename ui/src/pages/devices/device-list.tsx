import { useEffect, useState } from "preact/hooks";
import { deviceIdentity } from "../../gateway/device-identity";
import { useRpc } from "../../hooks";
import { DeviceRow } from "./device-row";
import { ErrorText } from "../../common/fields";
import { PendingDeviceRow } from "./pending-device-row";
import { DEVICE_EVENTS, type DevicePairList } from "./types";

function useOwnDeviceId(): string | null {
  const [id, setId] = useState<string | null>(null);
  useEffect(() => {
    deviceIdentity().then(
      (d) => setId(d?.deviceId ?? null),
      () => setId(null),
    );
  }, []);
  return id;
}

/** Device pairing requests and paired devices, following the device.pair.* and presence events. */
export function DeviceList() {
  const list = useRpc<DevicePairList>("device.pair.list", {}, DEVICE_EVENTS);
  const own = useOwnDeviceId();
  const pending = list.data?.pending ?? [];
  const paired = list.data?.paired ?? [];
  return (
    <div>
      <h2>Devices</h2>
      <ErrorText error={list.error ? `Could not load devices: ${list.error}` : null} />
      {pending.length ? (
        <div aria-label="Pairing requests">
          {pending.map((r) => (
            <PendingDeviceRow key={r.requestId} request={r} onDone={list.reload} />
          ))}
        </div>
      ) : null}
      {list.data && paired.length === 0 ? <p class="muted">No paired devices yet.</p> : null}
      <div class="grid">
        {paired.map((d) => (
          <DeviceRow key={d.deviceId} device={d} isThisBrowser={d.deviceId === own} onDone={list.reload} />
        ))}
      </div>
    </div>
  );
}
