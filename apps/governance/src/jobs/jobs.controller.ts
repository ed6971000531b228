import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import { ProblemError } from '@praesidium/problem';
import { enqueueSafe, isJobOf } from './enqueue.js';
import type { Principal } from '@praesidium/access';
import { CurrentPrincipal, PrincipalGuard } from '../auth/principal.guard.js';

@Controller('jobs')
@UseGuards(PrincipalGuard)
export class JobsController {
  constructor(@Inject(JOB_QUEUE) private readonly jobs: JobQueue) {}

  @Get(':id')
  async status(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new ProblemError('request.not_found');
    const status = await enqueueSafe(() => this.jobs.status(id));
    // Someone else's job (a namesake's at another issuer included) is answered like a missing one.
    if (!status || !isJobOf(status, principal)) throw new ProblemError('request.not_found', 'no such job');
    return status;
  }
}
