import type { Connection, Model, Schema } from 'mongoose';

/**
 * A mongoose model as the repositories hold it. Documents are read with `.lean<T>()` and mapped to
 * the plain records the rest of the code sees, so the model itself stays untyped here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any>;

/** The model `name` on this connection, created on first use (two servers in one process have two connections). */
export function modelOn(conn: Connection, name: string, schema: Schema, collection: string): AnyModel {
  return ((conn.models[name] as AnyModel | undefined) ?? conn.model(name, schema, collection)) as AnyModel;
}
