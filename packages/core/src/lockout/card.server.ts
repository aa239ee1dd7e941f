import type { Services, SessionUser } from '../context.js';
import { getDevice } from '../devices/queries.server.js';
import { formatShortCode } from '../devices/short-code.js';
import { currentLock } from './lock.server.js';

/** What a lock-out card prints, for a device the user may see that is currently locked. */
export async function lockoutCardData(services: Services, user: SessionUser, deviceId: string) {
  const device = await getDevice(services.db, user, { id: deviceId });
  if (!device) return undefined;
  const lock = await currentLock(services.db, device.id);
  if (!lock) return undefined;
  return {
    url: `${services.baseUrl}/d/${device.code}`,
    device: {
      inventoryNumber: device.inventory_number,
      designation: `${device.manufacturer_name} ${device.model_name}`,
      type: `${device.model_kind}, ${device.type_designation}`,
      serial: device.serial_number,
      location: device.location,
      code: formatShortCode(device.code),
    },
    lock,
  };
}
