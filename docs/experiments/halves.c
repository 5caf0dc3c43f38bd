// Two halves of each of the gradient's matrix products (784-256-256-10 MLP, 1,000
// samples), by rows of C, on two threads with OpenBLAS on 1 thread, against
// OpenBLAS on 2 threads and on 1, with the number of values that differ.
//
//   gcc -O2 -o /tmp/halves docs/experiments/halves.c -lopenblas -lpthread && /tmp/halves
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int M[]={1000,1000,1000,1000,256,1000,256,784}, N[]={256,256,10,256,10,256,256,256}, K[]={784,256,256,10,1000,256,1000,1000};
int TA[]={0,0,0,0,1,0,1,1}, TB[]={0,0,0,1,0,1,0,0};
double *A[8],*B[8],*C[8];
// half h of product i: rows [h*M/2, (h+1)*M/2) of C
static void half(int i,int h){int m0=h*M[i]/2, m1=(h+1)*M[i]/2, m=m1-m0;
 const double *a = TA[i]? A[i]+m0 : A[i]+(long)m0*K[i];
 cblas_dgemm(CblasRowMajor,TA[i]?CblasTrans:CblasNoTrans,TB[i]?CblasTrans:CblasNoTrans,m,N[i],K[i],1,a,TA[i]?M[i]:K[i],B[i],TB[i]?K[i]:N[i],0,C[i]+(long)m0*N[i],N[i]);}
static void full(int i){cblas_dgemm(CblasRowMajor,TA[i]?CblasTrans:CblasNoTrans,TB[i]?CblasTrans:CblasNoTrans,M[i],N[i],K[i],1,A[i],TA[i]?M[i]:K[i],B[i],TB[i]?K[i]:N[i],0,C[i],N[i]);}
// simple barrier-based worker
pthread_barrier_t bar; volatile int cur=-1, quit=0;
void* worker(void*x){for(;;){pthread_barrier_wait(&bar); if(quit)return 0; half(cur,1); pthread_barrier_wait(&bar);} }
int main(){
 for(int i=0;i<8;i++){A[i]=malloc(8L*M[i]*K[i]);B[i]=malloc(8L*K[i]*N[i]);C[i]=malloc(8L*M[i]*N[i]);for(long j=0;j<(long)M[i]*K[i];j++)A[i][j]=rand()/(double)RAND_MAX;for(long j=0;j<(long)K[i]*N[i];j++)B[i][j]=rand()/(double)RAND_MAX;}
 pthread_barrier_init(&bar,0,2); pthread_t th; pthread_create(&th,0,worker,0);
 double *ref[8]; for(int i=0;i<8;i++) ref[i]=malloc(8L*M[i]*N[i]);
 for(int r=0;r<6;r++){
  openblas_set_num_threads(2); for(int i=0;i<8;i++)full(i);
  double t=now(); for(int k=0;k<30;k++) for(int i=0;i<8;i++) full(i); double t2=(now()-t)/30;
  for(int i=0;i<8;i++) for(long j=0;j<(long)M[i]*N[i];j++) ref[i][j]=C[i][j];
  openblas_set_num_threads(1);
  t=now(); for(int k=0;k<30;k++) for(int i=0;i<8;i++){cur=i; pthread_barrier_wait(&bar); half(i,0); pthread_barrier_wait(&bar);} double th2=(now()-t)/30;
  long diff=0, tot=0; for(int i=0;i<8;i++) for(long j=0;j<(long)M[i]*N[i];j++){ diff+= ref[i][j]!=C[i][j]; tot++;}
  t=now(); for(int k=0;k<30;k++) for(int i=0;i<8;i++) full(i); double t1=(now()-t)/30;
  printf("2T %.2f ms, two 1T halves %.2f ms, 1T %.2f ms; values differing, 2T against halves: %ld of %ld\n",t2*1e3,th2*1e3,t1*1e3,diff,tot);
 }
}
