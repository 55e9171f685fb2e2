import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountEntity, OrganizationEntity, ProjectEntity } from './scope.entities';
import { ScopesController } from './scopes.controller';
import { ScopesService } from './scopes.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AccountEntity, OrganizationEntity, ProjectEntity])],
  controllers: [ScopesController],
  providers: [ScopesService],
  exports: [ScopesService],
})
export class ScopesModule {}
