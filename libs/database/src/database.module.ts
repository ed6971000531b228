import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source.js';
import type { PostgresConnection } from './embedded-postgres.js';

@Module({})
export class DatabaseModule {
  /** TypeORM on the given connection; entities come from each lib's `TypeOrmModule.forFeature`. */
  static forRoot(connection: PostgresConnection, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(connection, [], poolSize),
          autoLoadEntities: true,
          retryAttempts: 1,
        }),
      ],
    };
  }
}
