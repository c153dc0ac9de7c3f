import { DeviceList } from "./devices/device-list";
import { NodeList } from "./devices/node-list";

/** Paired devices and their pairing requests; nodes, their pending surfaces and a command runner. */
export function DevicesPage() {
  return (
    <section data-testid="page-devices">
      <h1>Devices &amp; nodes</h1>
      <DeviceList />
      <NodeList />
    </section>
  );
}
