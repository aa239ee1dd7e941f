import { z } from 'zod';
import { allow, router } from '../trpc/init.js';
import {
  createDevice,
  createDeviceInput,
  decommissionDevice,
  decommissionInput,
  deviceRef,
  deviceRegister,
  moveDevice,
  moveDeviceInput,
  registerOptions,
  updateDevice,
  updateDeviceInput,
} from './devices.server.js';
import { createLocation, createLocationInput, locationTree, moveDepartment, moveDepartmentInput, renameLocation, renameLocationInput } from './locations.server.js';
import {
  createManufacturer,
  createModel,
  createModelInput,
  getModel,
  listManufacturers,
  listModels,
  manufacturerInput,
  modelOptions,
  modelTypesInput,
  setModelTypes,
  updateManufacturer,
  updateManufacturerInput,
  updateModel,
  updateModelInput,
} from './models.server.js';

// Keeping the register (Bestandsverzeichnis) is the device officer's job: managers and admins.
const keepers = () => allow('manager', 'admin');

/** Register management: devices, models, manufacturers, locations, edit history. */
export const registerRouter = router({
  options: keepers().query(({ ctx }) => registerOptions(ctx.services.db)),
  device: keepers()
    .input(deviceRef)
    .query(({ ctx, input }) => deviceRegister(ctx.services, input.code)),
  createDevice: keepers()
    .input(createDeviceInput)
    .mutation(({ ctx, input }) => createDevice(ctx.services, ctx.user, input)),
  updateDevice: keepers()
    .input(updateDeviceInput)
    .mutation(({ ctx, input }) => updateDevice(ctx.services, ctx.user, input)),
  moveDevice: keepers()
    .input(moveDeviceInput)
    .mutation(({ ctx, input }) => moveDevice(ctx.services, ctx.user, ctx.t, input)),
  decommissionDevice: keepers()
    .input(decommissionInput)
    .mutation(({ ctx, input }) => decommissionDevice(ctx.services, ctx.user, ctx.t, input)),

  manufacturers: keepers().query(({ ctx }) => listManufacturers(ctx.services.db)),
  createManufacturer: keepers()
    .input(manufacturerInput)
    .mutation(({ ctx, input }) => createManufacturer(ctx.services, ctx.user, input)),
  updateManufacturer: keepers()
    .input(updateManufacturerInput)
    .mutation(({ ctx, input }) => updateManufacturer(ctx.services, ctx.user, input)),

  models: keepers()
    .input(z.object({ q: z.string().trim().max(100).optional() }))
    .query(({ ctx, input }) => listModels(ctx.services.db, input.q)),
  model: keepers()
    .input(z.object({ id: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => getModel(ctx.services.db, input.id)),
  modelOptions: keepers().query(({ ctx }) => modelOptions(ctx.services.db)),
  createModel: keepers()
    .input(createModelInput)
    .mutation(({ ctx, input }) => createModel(ctx.services, ctx.user, input)),
  updateModel: keepers()
    .input(updateModelInput)
    .mutation(({ ctx, input }) => updateModel(ctx.services, ctx.user, input)),
  setModelTypes: keepers()
    .input(modelTypesInput)
    .mutation(({ ctx, input }) => setModelTypes(ctx.services, ctx.user, input)),

  locations: keepers().query(({ ctx }) => locationTree(ctx.services.db)),
  createLocation: keepers()
    .input(createLocationInput)
    .mutation(({ ctx, input }) => createLocation(ctx.services, ctx.user, input)),
  renameLocation: keepers()
    .input(renameLocationInput)
    .mutation(({ ctx, input }) => renameLocation(ctx.services, ctx.user, input)),
  moveDepartment: keepers()
    .input(moveDepartmentInput)
    .mutation(({ ctx, input }) => moveDepartment(ctx.services, ctx.user, input)),
});
