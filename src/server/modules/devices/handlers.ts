import type { devicesApi } from '../../../shared/api/devices';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { deviceSignin, listUserDevices, revokeDevice } from './service';

export function devicesHandlers(ctx: ServiceContext): HandlersOf<typeof devicesApi> {
  return {
    deviceSignin: ({ body }) => deviceSignin(ctx, body.login, body.credential),
    listUserDevices: ({ params }) => listUserDevices(ctx, params.id),
    revokeDevice: ({ caller, params }) => revokeDevice(ctx, caller, params.id, params.deviceId),
  };
}
